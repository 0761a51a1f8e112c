package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** A tiny RetinaNet with EFL trained by two ParallelWrapper workers on shapes-lt: it learns and its file loads. */
class ParallelRetinaNetTest {

    private static final int SIZE = 64;
    private static final int WORKERS = 2;
    private static final int BATCH = 2;
    private static final int ITERATIONS = 20;
    private static final long SEED = 11;

    @Test
    void twoWorkersTrainATinyRetinaNetWithEflAndTheModelLoadsInDetector(@TempDir Path tmp) throws IOException {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(SEED).numClasses(3).trainImages(8)
                .valImages(1).imageSize(SIZE, SIZE).objectSize(16, 32).maxObjectsPerImage(2).longTail(4, 1).build());
        ShapesLtFiles files = gen.writeTo(tmp.resolve("data"));
        CocoDataset train = gen.cocoDataset(Split.TRAIN);
        int classes = train.categoryMapping().size();
        Recipe small = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        Recipe recipe = small.withOptimizer(small.optimizer().withLearningRate(0.01));
        // the updater is built for the effective batch, workers × batch
        RetinaNetConfig config = recipe.model(classes, new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}),
                        WORKERS * BATCH, ITERATIONS)
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5)).head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new EqualizedFocalLoss(classes)).seed(SEED).build();
        ModelMetadata metadata = DetectorSetup.metadata(train, config, SIZE, SIZE);
        Path run = tmp.resolve("run");
        // the loss on fixed training batches, before and after (scoring leaves the EFL statistics alone)
        List<MultiDataSet> probe = new ArrayList<>();
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, SEED), 4, SIZE, SIZE, SEED + 1, false, 0.001, WORKERS)) {
            probe.add(data.next());
            probe.add(data.next());
        }
        ComputationGraph graph = RetinaNet.build(config);
        double before = score(graph, probe);
        TrainingResult result;
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, SEED), BATCH, SIZE, SIZE, SEED, false, 0.001, WORKERS)) {
            Trainer trainer = new Trainer(graph, data,
                    TrainerConfig.of(recipe, run, ITERATIONS, SEED).withCheckpointEvery(8).withWorkers(WORKERS))
                    .modelWriter((g, f) -> ModelFile.save(g, metadata, f, true));
            result = trainer.train();
        }
        assertEquals(ITERATIONS, result.history().size());
        double after = score(result.graph(), probe);
        assertTrue(after < 0.8 * before, "loss on fixed batches " + before + " -> " + after);
        EqualizedFocalLoss efl = ParallelTraining.ReplicaLosses.equalizedFocalLosses(result.graph()).get(RetinaNet.CLASS_OUTPUT);
        assertTrue(Arrays.stream(efl.getPosGrad()).sum() > 0, "EFL statistics accumulated");

        Path modelFile = run.resolve("model.zip");
        ModelFile.save(result.graph(), metadata, modelFile, false);
        Path image;
        try (Stream<Path> s = Files.list(files.trainImages())) {
            image = s.sorted().findFirst().orElseThrow();
        }
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

    private static double score(ComputationGraph graph, List<MultiDataSet> batches) {
        return batches.stream().mapToDouble(b -> graph.score(b, false)).average().orElseThrow();
    }
}
