package io.github.retina4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.github.retina4j.train.CheckpointStore;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainingData;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * DL4J 1.0.0-M2's Spark module on the project's 1.0.0-M2.1 core, Spark {@code local[2]}: a tiny RetinaNet with EFL
 * learns, its model file loads in {@code Detector}, the executors follow the driver's learning-rate schedule, and the
 * driver's EFL statistics are those of one graph on the union of the workers' minibatches.
 */
class SparkTrainingTest {

    private static final int SIZE = 64;
    private static final int WORKERS = 2;
    private static final int BATCH = 2;
    private static final long SEED = 11;

    @TempDir
    static Path tmp;
    private static JavaSparkContext sc;
    private static CocoDataset train;
    private static ShapesLtFiles files;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[" + WORKERS + "]").setAppName("retina4j-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(SEED).numClasses(3).trainImages(8)
                .valImages(1).imageSize(SIZE, SIZE).objectSize(16, 32).maxObjectsPerImage(2).longTail(4, 1).build());
        files = gen.writeTo(tmp.resolve("data"));
        train = gen.cocoDataset(Split.TRAIN);
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static RetinaNetConfig.Builder tiny(Recipe recipe, int iterations) {
        int classes = train.categoryMapping().size();
        return recipe.model(classes, new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}), WORKERS * BATCH, iterations)
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5)).head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new EqualizedFocalLoss(classes)).seed(SEED);
    }

    private static List<String> export(RetinaNetConfig config, String name, int count) {
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, files.trainImages(), config,
                Recipe.retinaNet().targetEncoder(config, SEED), BATCH, SIZE, SIZE, SEED, false, 0.001)) {
            return SparkTraining.exportBatches(data, count, tmp.resolve(name).toUri().toString(), sc.hadoopConfiguration());
        }
    }

    private static List<MultiDataSet> load(List<String> paths) {
        List<MultiDataSet> out = new ArrayList<>();
        for (String p : paths) {
            org.nd4j.linalg.dataset.MultiDataSet m = new org.nd4j.linalg.dataset.MultiDataSet();
            try {
                m.load(new File(java.net.URI.create(p)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            out.add(m);
        }
        return out;
    }

    private static double score(ComputationGraph graph, List<MultiDataSet> batches) {
        return batches.stream().mapToDouble(b -> graph.score(b, false)).average().orElseThrow();
    }

    @Test
    void twoExecutorsTrainATinyRetinaNetWithEflAndTheModelLoadsInDetector() throws Exception {
        int iterations = 20;
        Recipe small = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        Recipe recipe = small.withOptimizer(small.optimizer().withLearningRate(0.01));
        RetinaNetConfig config = tiny(recipe, iterations).build();
        ModelMetadata metadata = DetectorSetup.metadata(train, config, SIZE, SIZE);
        List<String> batches = export(config, "batches", 4);
        List<MultiDataSet> probe = load(batches.subList(0, 2));
        ComputationGraph graph = RetinaNet.build(config);
        double before = score(graph, probe);
        Path run = tmp.resolve("run");
        ComputationGraph trained = SparkTraining.train(sc, graph, batches,
                new SparkTraining.Options(WORKERS, BATCH, iterations, 10, recipe.maxGradNorm(), SEED, false), run,
                (g, f) -> ModelFile.save(g, metadata, f, true));
        double after = score(trained, probe);
        assertTrue(after < 0.8 * before, "loss on fixed batches " + before + " -> " + after);
        assertEquals(iterations, trained.getIterationCount());
        List<LossPoint> log = Trainer.readLog(run.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE);
        assertEquals(iterations, log.size());
        EqualizedFocalLoss efl = ReplicaHook.equalizedFocalLosses(trained).get(RetinaNet.CLASS_OUTPUT);
        assertTrue(java.util.Arrays.stream(efl.getPosGrad()).sum() > 0, "the workers' EFL statistics reached the driver");

        Path modelFile = run.resolve("model.zip");
        ModelFile.save(trained, metadata, modelFile, false);
        Path image;
        try (Stream<Path> s = Files.list(files.trainImages())) {
            image = s.sorted().findFirst().orElseThrow();
        }
        try (Detector detector = Detector.load(modelFile)) {
            assertEquals(train.categoryMapping().size(), detector.metadata().categories().size());
            detector.detect(image);
        }
        assertEquals(iterations, new CheckpointStore(run.resolve(Trainer.CHECKPOINT_DIR), 2).latest().orElseThrow().iteration());
    }

    @Test
    void executorsFollowTheScheduleAndTheirEflStatisticsMergeIntoThoseOfTheUnionBatch() {
        // learning rate 0.05 for 2 iterations, then 0: the parameters must stop changing after iteration 2, which
        // they do not if the executors restart the schedule every round (DL4J's configuration clone drops the count)
        Recipe recipe = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        MapSchedule lr = new MapSchedule.Builder(ScheduleType.ITERATION).add(0, 0.05).add(2, 0.0).build();
        RetinaNetConfig config = tiny(recipe, 4).updater(new Sgd(lr)).build();
        List<String> batches = export(config, "schedule-batches", 4);
        ComputationGraph two = SparkTraining.train(sc, RetinaNet.build(config), batches,
                new SparkTraining.Options(WORKERS, BATCH, 2, 10, 0, SEED, false), tmp.resolve("two"), CheckpointStore.DL4J);
        float[] afterTwo = two.params().toFloatVector();
        ComputationGraph four = SparkTraining.train(sc, two, batches,
                new SparkTraining.Options(WORKERS, BATCH, 4, 10, 0, SEED, true), tmp.resolve("two"), CheckpointStore.DL4J);
        assertArrayEquals(afterTwo, four.params().toFloatVector(), 0f, "parameters changed at learning rate 0");

        // with the learning rate at 0 from the start, one graph stepping through the union of each round's minibatches
        // sees the same parameters as the workers, so its EFL statistics must equal the driver's merged ones
        RetinaNetConfig frozen = tiny(recipe, 4).updater(new Sgd(0.0)).build();
        ComputationGraph spark = SparkTraining.train(sc, RetinaNet.build(frozen), batches,
                new SparkTraining.Options(WORKERS, BATCH, 2, 10, 0, SEED, false), tmp.resolve("frozen"), CheckpointStore.DL4J);
        ComputationGraph single = RetinaNet.build(frozen);
        List<MultiDataSet> data = load(batches);
        single.fit(org.nd4j.linalg.dataset.MultiDataSet.merge(data.subList(0, 2)));
        single.fit(org.nd4j.linalg.dataset.MultiDataSet.merge(data.subList(2, 4)));
        double[] expected = ReplicaHook.equalizedFocalLosses(single).get(RetinaNet.CLASS_OUTPUT).getPosGrad();
        double[] actual = ReplicaHook.equalizedFocalLosses(spark).get(RetinaNet.CLASS_OUTPUT).getPosGrad();
        assertTrue(java.util.Arrays.stream(expected).sum() > 0);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], 1e-5 * expected[j], "posGrad[" + j + "]");
        }
    }
}
