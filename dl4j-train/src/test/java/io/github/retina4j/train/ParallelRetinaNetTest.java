package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** A tiny RetinaNet with EFL trained by two ParallelWrapper workers on shapes-lt: it learns and its file loads. */
class ParallelRetinaNetTest {

    private static final int WORKERS = 2;
    private static final int BATCH = 2;
    private static final int ITERATIONS = 20;

    @Test
    void twoWorkersTrainATinyRetinaNetWithEflAndTheModelLoadsInDetector(@TempDir Path tmp) throws IOException {
        TinyShapesLtTraining tiny = new TinyShapesLtTraining(tmp.resolve("data"));
        int classes = tiny.classes;
        // the updater is built for the effective batch, workers × batch
        RetinaNetConfig config = tiny.model(WORKERS * BATCH, ITERATIONS).classLoss(new EqualizedFocalLoss(classes)).build();
        ModelMetadata metadata = DetectorSetup.metadata(tiny.train, config, TinyShapesLtTraining.SIZE, TinyShapesLtTraining.SIZE);
        Path run = tmp.resolve("run");
        List<MultiDataSet> probe = tiny.probe(config, WORKERS);
        ComputationGraph graph = RetinaNet.build(config);
        double before = TinyShapesLtTraining.score(graph, probe);
        TrainingResult result;
        try (TrainingData.CloseableIterator data = tiny.batches(config, BATCH, TinyShapesLtTraining.SEED, WORKERS)) {
            Trainer trainer = new Trainer(graph, data,
                    TrainerConfig.of(tiny.recipe, run, ITERATIONS, TinyShapesLtTraining.SEED).withCheckpointEvery(8)
                            .withWorkers(WORKERS))
                    .modelWriter((g, f) -> ModelFile.save(g, metadata, f, true));
            result = trainer.train();
        }
        assertEquals(ITERATIONS, result.history().size());
        double after = TinyShapesLtTraining.score(result.graph(), probe);
        assertTrue(after < 0.8 * before, "loss on fixed batches " + before + " -> " + after);
        EqualizedFocalLoss efl = ParallelTraining.ReplicaLosses.equalizedFocalLosses(result.graph()).get(RetinaNet.CLASS_OUTPUT);
        assertTrue(Arrays.stream(efl.getPosGrad()).sum() > 0, "EFL statistics accumulated");

        Path modelFile = run.resolve("model.zip");
        ModelFile.save(result.graph(), metadata, modelFile, false);
        Path image = tiny.firstImage();
        try (Detector detector = Detector.load(modelFile)) {
            assertEquals(classes, detector.metadata().categories().size());
            detector.detect(image);
        }
        // the checkpoint is a model file too, with the merged EFL statistics
        ModelFile.Loaded ckpt = ModelFile.load(new CheckpointStore(run.resolve(Trainer.CHECKPOINT_DIR), 2).latest()
                .orElseThrow().modelFile(), true);
        assertTrue(Arrays.equals(efl.getPosGrad(), ParallelTraining.ReplicaLosses.equalizedFocalLosses(ckpt.graph())
                .get(RetinaNet.CLASS_OUTPUT).getPosGrad()), "checkpoint holds the final statistics");
    }
}
