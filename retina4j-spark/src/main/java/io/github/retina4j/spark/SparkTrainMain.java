package io.github.retina4j.spark;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.TrainingData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class io.github.retina4j.spark.SparkTrainMain retina4j-spark.jar --annotations ... --images ...}:
 * trains RetinaNet / Libra RetinaNet on COCO/LVIS-format data with {@link SparkTraining} and writes a model file that
 * {@code Detector.load} reads. The driver reads the annotations and images (local or mounted paths), exports the
 * minibatches to {@code --export-dir} (any Hadoop file system URI the executors can read), and runs the rounds.
 */
@Command(name = "retina4j-spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train RetinaNet or Libra RetinaNet on Spark (DL4J parameter averaging after every iteration).")
public final class SparkTrainMain implements Callable<Integer> {

    @Option(names = "--annotations", required = true, paramLabel = "FILE", description = "Training annotations (COCO or LVIS JSON), read by the driver.")
    Path annotations;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Image root folder, read by the driver.")
    Path images;

    @Option(names = "--out", defaultValue = "runs/spark-train", paramLabel = "DIR",
            description = "Run folder on the driver: log, checkpoints, model.zip (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--export-dir", paramLabel = "URI",
            description = "Where the minibatches are exported, readable by every executor (hdfs://..., a shared mount; default: <out>/batches).")
    String exportDir;

    @Option(names = "--export-batches", defaultValue = "0",
            description = "Minibatches to export; rounds cycle through them (default: one epoch).")
    int exportBatches;

    @Option(names = "--model", defaultValue = "retinanet", description = "retinanet | libra (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--backbone", defaultValue = "resnet50", description = "small | resnet18 | resnet34 | resnet50 | resnet101 (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--cls-loss", defaultValue = "focal", description = "focal | efl | eql-focal (default: ${DEFAULT-VALUE}).")
    String clsLoss;

    @Option(names = "--box-loss", defaultValue = DetectorSetup.RECIPE_BOX_LOSS, description = "recipe | smooth-l1 | l1 | balanced-l1.")
    String boxLoss;

    @Option(names = "--rfs", description = "Repeat factor sampling (LVIS) when exporting, threshold --rfs-threshold.")
    boolean repeatFactorSampling;

    @Option(names = "--rfs-threshold", defaultValue = "0.001", description = "Repeat factor threshold t (default: ${DEFAULT-VALUE}).")
    double rfsThreshold;

    @Option(names = "--image-size", defaultValue = "512", description = "Longer image side (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--batch-size", defaultValue = "2", description = "Images per worker and iteration (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", defaultValue = "8", description = "Workers (minibatches) per iteration; the learning rate follows workers × batch size (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--iterations", defaultValue = "1000", description = "Iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--checkpoint-every", defaultValue = "200", description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Continue from the latest checkpoint in --out.")
    boolean resume;

    @Option(names = "--master", description = "Spark master for a run without spark-submit, e.g. local[2].")
    String master;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkTrainMain()).execute(args));
    }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(annotations)) {
            throw new IllegalArgumentException("--annotations: no such file " + annotations);
        }
        if (!Files.isDirectory(images)) {
            throw new IllegalArgumentException("--images: no such folder " + images);
        }
        for (int v : new int[] {batchSize, workers, iterations, checkpointEvery, imageSize}) {
            if (v < 1) {
                throw new IllegalArgumentException("--batch-size, --workers, --iterations, --checkpoint-every and "
                        + "--image-size must be >= 1");
            }
        }
        CocoDataset train = CocoJsonReader.strict().read(annotations);
        if (train.images().isEmpty() || train.categories().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no images or no categories");
        }
        DetectorSetup.Choice choice = new DetectorSetup.Choice(model, backbone, clsLoss, boxLoss);
        Recipe recipe = choice.recipe();
        RetinaNetConfig config = DetectorSetup.config(choice, recipe, train, workers * batchSize, iterations, seed);
        ModelMetadata metadata = DetectorSetup.metadata(train, config, imageSize, imageSize);
        SparkConf conf = new SparkConf().setAppName("retina4j train " + out.getFileName());
        if (master != null) {
            conf.setMaster(master);
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            String dir = exportDir != null ? exportDir : out.resolve("batches").toAbsolutePath().toUri().toString();
            int count = exportBatches > 0 ? exportBatches : (train.images().size() + batchSize - 1) / batchSize;
            List<String> batches;
            try (TrainingData.CloseableIterator data = TrainingData.iterator(train, images, config,
                    recipe.targetEncoder(config, seed), batchSize, imageSize, imageSize, seed, repeatFactorSampling,
                    rfsThreshold)) {
                batches = SparkTraining.exportBatches(data, count, dir, sc.hadoopConfiguration());
            }
            ComputationGraph graph = SparkTraining.train(sc, RetinaNet.build(config), batches,
                    new SparkTraining.Options(workers, batchSize, iterations, checkpointEvery, recipe.maxGradNorm(), seed,
                            resume),
                    out, (g, f) -> ModelFile.save(g, metadata, f, true));
            Path modelFile = out.resolve("model.zip");
            ModelFile.save(graph, metadata, modelFile, false);
            System.out.println("model: " + modelFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model: " + e.getMessage(), e);
        }
        return 0;
    }
}
