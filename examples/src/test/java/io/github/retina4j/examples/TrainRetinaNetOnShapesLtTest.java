package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.train.CheckpointStore;
import io.github.retina4j.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainRetinaNetOnShapesLtTest {

    @Test
    void trainsEvaluatesAndSavesAModelThatDetectorLoads(@TempDir Path out) throws Exception {
        TinyRun.Outputs run = TinyRun.train(TrainRetinaNetOnShapesLt::main, out);
        assertTrue(run.printed().contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"),
                run.printed());
        TinyRun.assertMetrics(run.metrics().get("stats"), "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100",
                "ARs", "ARm", "ARl");

        // the saved model is the trained one (the weights of the final checkpoint), and it loads and detects alone
        CocoDataset val = CocoJsonReader.strict().read(out.resolve("shapes-lt/annotations/instances_val.json"));
        assertEquals(TinyRun.VAL_IMAGES, val.images().size());
        ComputationGraph last = new CheckpointStore(out.resolve("run").resolve(Trainer.CHECKPOINT_DIR), 1).latest()
                .orElseThrow().readModel();
        ModelFile.Loaded saved = ModelFile.load(out.resolve("model.zip"), false);
        assertEquals(last.params(), saved.graph().params());
        assertEquals(val.categoryMapping(), saved.metadata().categories());
        ModelMetadata everything = saved.metadata().withPostprocessing(PostProcessConfig.coco().withScoreThreshold(0));
        try (Detector detector = new Detector(saved.graph(), everything, 1)) {
            List<ImageDetections> all = detector.detectAll(val, out.resolve("shapes-lt/val"));
            assertEquals(val.images().stream().map(ImageInfo::id).toList(), all.stream().map(ImageDetections::imageId).toList());
            assertTrue(all.stream().allMatch(d -> d.size() > 0), "a score threshold of 0 keeps candidates on every image");
        }
        // the results file holds the validation detections (none above 0.05 after 3 iterations is expected)
        for (DetectionResult r : ResultsJson.read(out.resolve("detections_val.json"))) {
            assertTrue(val.categoryMapping().contains((int) r.categoryId()) && r.score() >= 0.05, r.toString());
        }
    }

    @Test
    void badArgumentsFailBeforeAnyWork(@TempDir Path out) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainRetinaNetOnShapesLt.main(new String[] {"--out", out.toString(), "--iterations", "-3"}));
        assertTrue(e.getMessage().startsWith("TrainRetinaNetOnShapesLt: --iterations needs a positive integer, got '-3'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--image-size [192]"), e.getMessage());
        assertTrue(out.toFile().list().length == 0, "nothing written");
    }
}
