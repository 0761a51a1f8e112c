package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.PostProcessConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLongTailTest {

    @Test
    void trainsWithEflAndRepeatFactorsAndEvaluatesLvis(@TempDir Path out) throws Exception {
        TinyRun.Outputs run = TinyRun.train(TrainLongTail::main, out);
        // 8 training images: every class is rare; t = min(1, 100 / 8) repeats each image to max(1, sqrt(1 / f))
        assertTrue(run.printed().contains("classes per frequency group: {RARE=30, COMMON=0, FREQUENT=0}"), run.printed());
        assertTrue(run.printed().contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=300 catIds=  r]"),
                run.printed());
        assertEquals("lvis_bbox", run.metrics().get("evaluation").asText());
        TinyRun.assertMetrics(run.metrics().get("results"), "AP", "APr", "APc", "APf");
        try (Detector detector = Detector.load(out.resolve("model.zip"), 1)) {
            assertEquals(PostProcessConfig.lvis(), detector.metadata().postprocessing());
        }
        String graph = ModelFile.load(out.resolve("model.zip"), false).graph().getConfiguration().toJson();
        assertTrue(graph.contains("EqualizedFocalLoss"), "the class loss is not EFL");
    }
}
