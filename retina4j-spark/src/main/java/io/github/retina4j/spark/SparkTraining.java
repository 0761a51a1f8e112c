package io.github.retina4j.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.train.CheckpointStore;
import io.github.retina4j.train.GlobalGradientNormClipping;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainerState;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a detector graph on a Spark cluster with DL4J's {@link ParameterAveragingTrainingMaster}: each round sends
 * one exported minibatch to each of {@code workers} executors' workers, which take one step from the broadcast
 * parameters; the driver averages parameters and updater state (as {@code Trainer}'s ParallelWrapper mode does on one
 * machine: synchronous data parallelism with an effective batch of workers × minibatch) and merges the EFL
 * statistics ({@link ReplicaHook}). Rounds are the iterations of the learning-rate schedule; the run folder has the
 * same {@code train-log.jsonl} and {@code checkpoints/} as a {@link Trainer} run, and {@code --resume} continues from
 * the latest checkpoint.
 *
 * <p>Data: DL4J's recommended route for Spark, minibatches exported once as files ({@link #exportBatches}) and
 * loaded by the executors by path ({@code fitPathsMultiDataSet}); rounds cycle through the exported batches in order.
 */
public final class SparkTraining {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTraining.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkTraining() {
    }

    /**
     * @param workers         minibatches per round (one per worker)
     * @param batchSize       images per exported minibatch
     * @param iterations      rounds of the run
     * @param checkpointEvery checkpoint every this many rounds (and at the end)
     * @param maxGradNorm     global L2 gradient clipping in each worker, 0 = off ({@link GlobalGradientNormClipping})
     */
    public record Options(int workers, int batchSize, int iterations, int checkpointEvery, double maxGradNorm, long seed,
                          boolean resume) {
        public Options {
            if (workers < 1 || batchSize < 1 || iterations < 1 || checkpointEvery < 1) {
                throw new IllegalArgumentException("workers, batch size, iterations and checkpoint interval must be >= 1, "
                        + "got " + workers + ", " + batchSize + ", " + iterations + ", " + checkpointEvery);
            }
        }
    }

    /**
     * Saves the iterator's next {@code count} minibatches (resetting it at its end) as {@code dir/batch-N.bin}, through
     * Hadoop's file system API (so {@code dir} can be {@code hdfs://...}, {@code file:///...} or a local path); returns
     * their URIs.
     */
    public static List<String> exportBatches(MultiDataSetIterator data, int count, String dir,
                                             org.apache.hadoop.conf.Configuration hadoop) {
        try {
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
            org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(hadoop);
            fs.mkdirs(root);
            List<String> paths = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                if (!data.hasNext()) {
                    data.reset();
                    if (!data.hasNext()) {
                        throw new IllegalArgumentException("the training data iterator produced no batch: empty dataset?");
                    }
                }
                MultiDataSet batch = data.next();
                org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(root, String.format("batch-%06d.bin", i));
                try (java.io.OutputStream out = new java.io.BufferedOutputStream(fs.create(file, true))) {
                    batch.save(out);
                }
                paths.add(fs.makeQualified(file).toString());
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export minibatches to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trains {@code graph} (replaced by the latest checkpoint's graph when resuming) for {@code options.iterations()}
     * rounds over the exported minibatches; returns the trained graph.
     */
    public static ComputationGraph train(JavaSparkContext sc, ComputationGraph graph, List<String> batches, Options options,
                                         Path runDir, CheckpointStore.ModelWriter writer) {
        Objects.requireNonNull(batches, "batches");
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no exported minibatches to train on");
        }
        CheckpointStore store = new CheckpointStore(runDir.resolve(Trainer.CHECKPOINT_DIR), 2, writer);
        Path logFile = runDir.resolve(Trainer.LOG_FILE);
        int done = 0;
        List<LossPoint> history = new ArrayList<>();
        try {
            Files.createDirectories(runDir);
            if (options.resume()) {
                CheckpointStore.Checkpoint ckpt = store.latest().orElseThrow(() -> new IllegalArgumentException(
                        "--resume: no checkpoint found in " + store.dir()));
                graph = ckpt.readModel();
                done = ckpt.readState().iteration();
                history.addAll(Trainer.readLog(logFile, done));
            }
            if (done >= options.iterations()) {
                throw new IllegalArgumentException("the checkpoint is already at iteration " + done + " >= the requested "
                        + options.iterations() + " iterations; ask for more iterations to continue");
            }
            try (BufferedWriter w = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
                for (LossPoint p : history) {
                    w.write(JSON.writeValueAsString(p));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare run folder " + runDir + ": " + e.getMessage(), e);
        }

        ReplicaHook hook = new ReplicaHook(sc.sc().collectionAccumulator("retina4j EFL rounds"));
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(options.workers(),
                options.batchSize())
                .batchSizePerWorker(options.batchSize())
                .averagingFrequency(1)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .rngSeed(options.seed())
                .trainingHooks(hook)
                .build();
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, master);
        if (options.maxGradNorm() > 0) {
            spark.setListeners(new GlobalGradientNormClipping(options.maxGradNorm()));
        }
        ComputationGraph net = spark.getNetwork();
        String firstLayer = null;
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (l.numParams() > 0 && l.conf() != null && l.conf().getLayer() != null) {
                firstLayer = l.conf().getLayer().getLayerName();
                break;
            }
        }
        Map<String, EqualizedFocalLoss> efl = ReplicaHook.equalizedFocalLosses(net);
        efl.values().forEach(EqualizedFocalLoss::startRound);

        try (BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (int round = done; round < options.iterations(); round++) {
                List<String> paths = new ArrayList<>(options.workers());
                for (int w = 0; w < options.workers(); w++) {
                    paths.add(batches.get((round * options.workers() + w) % batches.size()));
                }
                hook.roundStarts(net.getIterationCount(), net.getEpochCount());
                Double lr = firstLayer == null ? null : net.getLearningRate(firstLayer);
                hook.rounds().reset();
                long t0 = System.nanoTime();
                spark.fitPathsMultiDataSet(sc.parallelize(paths, options.workers()));
                double seconds = (System.nanoTime() - t0) / 1e9;
                mergeRounds(efl, hook.rounds().value());
                int iteration = round + 1;
                double loss = spark.getScore();
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("iteration " + iteration + ": non-finite loss " + loss);
                }
                int epoch = (int) ((long) iteration * options.workers() / batches.size());
                LossPoint point = new LossPoint(iteration, epoch, loss, lr == null ? Double.NaN : lr,
                        options.workers() * options.batchSize() / Math.max(1e-9, seconds), Double.NaN);
                log.write(JSON.writeValueAsString(point));
                log.newLine();
                log.flush();
                LOG.info(String.format("iter %d/%d loss %.4f %.1f s", iteration, options.iterations(), loss, seconds));
                if (iteration % options.checkpointEvery() == 0 || iteration == options.iterations()) {
                    store.save(net, new TrainerState(iteration, epoch, 0, options.seed(), 0, 0));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training log " + logFile + ": " + e.getMessage(), e);
        }
        return net;
    }

    private static void mergeRounds(Map<String, EqualizedFocalLoss> efl, List<ReplicaHook.LayerRound> rounds) {
        Map<String, List<EqualizedFocalLoss.Round>> byLayer = new LinkedHashMap<>();
        for (ReplicaHook.LayerRound r : rounds) {
            byLayer.computeIfAbsent(r.layer(), k -> new ArrayList<>()).add(r.round());
        }
        byLayer.forEach((layer, list) -> {
            EqualizedFocalLoss target = efl.get(layer);
            if (target == null) {
                throw new IllegalStateException("EFL statistics from the workers for unknown layer " + layer);
            }
            target.mergeRounds(list);
        });
    }
}
