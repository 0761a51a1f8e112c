package io.github.retina4j.train;

import io.github.retina4j.models.dl4j.GradientWorkspaceSizing;
import io.github.retina4j.models.optimize.WarmupStepSchedule;

import io.github.retina4j.models.optimize.MomentumSgd;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training loop for any {@link ComputationGraph} fed by a {@link MultiDataSetIterator}, with what
 * mmdetection's runner gives: progress reports ({@link TrainingProgress}), a per-iteration JSON log
 * ({@code train-log.jsonl}, like mmdet's {@code *.log.json}), atomic checkpoints every N iterations and
 * at the end, exact resume, global-norm gradient clipping, a stop on NaN/Inf loss that keeps the last
 * good checkpoint, and optionally the DL4J training UI.
 *
 * <p>The optimiser (updater, learning-rate schedule, weight decay) is part of the graph's
 * configuration, e.g. {@link MomentumSgd} with {@link WarmupStepSchedule}; the schedule is indexed by
 * the graph's own iteration counter, which checkpoints keep.
 *
 * <p>Resume replays the data order: the iterator is reset once per completed epoch and advanced by
 * the batches already consumed in the current one, so a deterministic (seeded) iterator yields the
 * same batches as an uninterrupted run.
 *
 * <h2>Data-parallel training</h2>
 * With {@link TrainerConfig#workers()} &gt; 1 the trainer runs DL4J's {@code ParallelWrapper} in parameter-averaging
 * mode: each iteration takes one minibatch per worker, each worker steps its own copy of the graph, and parameters and
 * updater states are averaged after every iteration. For SGD with momentum and L2 weight decay that is synchronous SGD
 * on the mean gradient of all the iteration's images (the effective batch is workers × minibatch; build the updater for
 * it). Shared-gradients mode is not used: it exchanges threshold-quantised sparse updates, a different, lossy optimiser.
 * Stateful losses ({@code EqualizedFocalLoss}) are merged across the workers' copies after every iteration. The log,
 * checkpoints and resume are those of the single-worker loop; the log's loss is the workers' mean.
 */
public final class Trainer {

    public static final String LOG_FILE = "train-log.jsonl";
    public static final String CHECKPOINT_DIR = "checkpoints";
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Throughput is averaged over this many recent iterations. */
    private static final int THROUGHPUT_WINDOW = 10;
    /** A run whose gradient stays non-finite this many steps in a row stops (one bad step is skipped, as AMP does). */
    static final int MAX_CONSECUTIVE_SKIPPED_STEPS = 5;

    private ComputationGraph graph;
    private final MultiDataSetIterator data;
    private final TrainerConfig config;
    private final List<TrainingListener> extraListeners = new ArrayList<>();
    private final List<TrainingProgress> progress = new ArrayList<>();
    private CheckpointStore.ModelWriter modelWriter = CheckpointStore.DL4J;

    public Trainer(ComputationGraph graph, MultiDataSetIterator data, TrainerConfig config) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.data = Objects.requireNonNull(data, "data");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Adds a DL4J listener (called on every iteration, after the trainer's own ones). */
    public Trainer addListener(TrainingListener listener) {
        extraListeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** Adds a progress report receiver (called after each iteration and checkpoint). */
    public Trainer addProgress(TrainingProgress p) {
        progress.add(Objects.requireNonNull(p));
        return this;
    }

    /** How checkpoints write {@code model.zip} (default: DL4J's {@code ModelSerializer} with updater). */
    public Trainer modelWriter(CheckpointStore.ModelWriter writer) {
        this.modelWriter = Objects.requireNonNull(writer);
        return this;
    }

    public TrainerConfig config() {
        return config;
    }

    /** The graph being trained (replaced by the checkpoint's graph when resuming). */
    public ComputationGraph graph() {
        return graph;
    }

    public TrainingResult train() {
        long wallStart = System.nanoTime();
        Path runDir = config.runDir();
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run folder " + runDir + ": " + e.getMessage(), e);
        }
        CheckpointStore store = new CheckpointStore(runDir.resolve(CHECKPOINT_DIR), config.keepCheckpoints(), modelWriter);
        Path logFile = runDir.resolve(LOG_FILE);
        List<LossPoint> history = new ArrayList<>();

        TrainerState state;
        Path lastCheckpoint = null;
        if (config.resume()) {
            CheckpointStore.Checkpoint ckpt = store.latest().orElseThrow(() -> new IllegalArgumentException(
                    "--resume: no checkpoint found in " + store.dir()));
            graph = ckpt.readModel();
            state = ckpt.readState();
            lastCheckpoint = ckpt.dir();
            Nd4j.getRandom().setStates(state.rngRootState(), state.rngNodeState());
            history.addAll(readLog(logFile, state.iteration()));
            replayDataOrder(state);
            LOG.info("resumed from {} (iteration {}, epoch {}, batch {} of the epoch)", ckpt.dir(),
                    state.iteration(), state.epoch(), state.batchInEpoch());
        } else {
            Nd4j.getRandom().setSeed(config.seed());
            state = new TrainerState(0, 0, 0, config.seed(), 0, 0);
            data.reset();
        }
        int resumedFrom = state.iteration();
        if (resumedFrom >= config.iterations()) {
            throw new IllegalArgumentException("the checkpoint is already at iteration " + resumedFrom
                    + " >= the requested " + config.iterations() + " iterations; ask for more iterations to continue");
        }
        writeLog(logFile, history);

        GlobalGradientNormClipping clipping = config.maxGradNorm() > 0 ? new GlobalGradientNormClipping(config.maxGradNorm()) : null;
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new GradientWorkspaceSizing());
        if (clipping != null) {
            listeners.add(clipping);
        }
        if (config.uiStatsFile() != null) {
            listeners.add(TrainingUi.listener(config.uiStatsFile(), true));
        }
        listeners.addAll(extraListeners);

        DataFeed feed = new DataFeed(state.epoch(), state.batchInEpoch());
        Steps steps = new Steps(store, history, clipping, state.iteration(), lastCheckpoint, feed);

        progress.forEach(p -> p.started(resumedFrom, config.iterations()));
        try (BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            steps.log = log;
            if (config.workers() == 1) {
                graph.setListeners(listeners);
                trainSequentially(feed, steps);
            } else {
                ParallelTraining.train(this, feed, steps, listeners);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training log " + logFile + ": " + e.getMessage(), e);
        } finally {
            progress.forEach(TrainingProgress::finished);
        }
        return new TrainingResult(graph, List.copyOf(history), steps.lastCheckpoint, resumedFrom,
                (System.nanoTime() - wallStart) / 1e9);
    }

    private void trainSequentially(DataFeed feed, Steps steps) throws IOException {
        String firstLayer = firstParamLayerName(graph);
        while (steps.iteration < config.iterations()) {
            MultiDataSet batch = feed.next();
            double lr = learningRate(firstLayer);
            long t0 = System.nanoTime();
            graph.fit(batch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            steps.done(graph.score(), feed.takeImages(), seconds, lr);
        }
    }

    /**
     * The training data in order: reset once per epoch (counting the graph's epochs), with the position that
     * checkpoints keep.
     */
    final class DataFeed {
        int epoch;
        int batchInEpoch;
        private long images;

        DataFeed(int epoch, int batchInEpoch) {
            this.epoch = epoch;
            this.batchInEpoch = batchInEpoch;
        }

        MultiDataSet next() {
            while (!data.hasNext()) {
                if (batchInEpoch == 0) {
                    throw new IllegalArgumentException("the training data iterator produced no batch: empty dataset?");
                }
                graph.incrementEpochCount();
                epoch++;
                batchInEpoch = 0;
                data.reset();
            }
            MultiDataSet batch = data.next();
            batchInEpoch++;
            images += batch.getFeatures(0).size(0);
            return batch;
        }

        /** Images served since the last call. */
        long takeImages() {
            long n = images;
            images = 0;
            return n;
        }
    }

    /** What follows each iteration: log, progress, NaN/Inf stop, skipped-step count, checkpoints. */
    final class Steps {
        private final CheckpointStore store;
        private final List<LossPoint> history;
        private final GlobalGradientNormClipping clipping;
        private final DataFeed feed;
        private final double[] recentSeconds = new double[THROUGHPUT_WINDOW];
        private final long[] recentImages = new long[THROUGHPUT_WINDOW];
        private BufferedWriter log;
        int iteration;
        Path lastCheckpoint;
        private int consecutiveSkips;

        Steps(CheckpointStore store, List<LossPoint> history, GlobalGradientNormClipping clipping, int iteration,
              Path lastCheckpoint, DataFeed feed) {
            this.store = store;
            this.history = history;
            this.clipping = clipping;
            this.iteration = iteration;
            this.lastCheckpoint = lastCheckpoint;
            this.feed = feed;
        }

        /**
         * One iteration is done.
         *
         * @param loss    the graph's score (in data-parallel training: the workers' mean)
         * @param lr      the learning rate the iteration used
         */
        void done(double loss, long images, double seconds, double lr) throws IOException {
            iteration++;
            if (!Double.isFinite(loss)) {
                throw new NonFiniteLossException(iteration, loss, lastCheckpoint);
            }
            double gradNorm = clipping == null ? Double.NaN : clipping.takeRoundNorm();
            if (clipping != null && !Double.isFinite(gradNorm)) {
                consecutiveSkips++;
                LOG.warn(String.format("iteration %d: non-finite gradient (loss %.4f finite); update skipped "
                        + "(%d skipped so far)", iteration, loss, clipping.skippedSteps()));
                if (consecutiveSkips > MAX_CONSECUTIVE_SKIPPED_STEPS) {
                    throw new NonFiniteLossException(iteration, gradNorm, lastCheckpoint);
                }
            } else {
                consecutiveSkips = 0;
            }
            recentSeconds[iteration % THROUGHPUT_WINDOW] = seconds;
            recentImages[iteration % THROUGHPUT_WINDOW] = images;
            double imgPerSec = sum(recentImages) / Math.max(1e-9, sum(recentSeconds));
            LossPoint point = new LossPoint(iteration, feed.epoch, loss, lr, imgPerSec, gradNorm);
            history.add(point);
            log.write(JSON.writeValueAsString(point));
            log.newLine();
            log.flush();
            for (TrainingProgress p : progress) {
                p.iteration(point, config.iterations());
            }
            if (iteration % config.logEvery() == 0 || iteration == config.iterations()) {
                LOG.info(String.format("iter %d/%d epoch %d loss %.4f lr %.3e %.2f img/s", iteration,
                        config.iterations(), feed.epoch, loss, lr, imgPerSec));
            }
            if (iteration % config.checkpointEvery() == 0 || iteration == config.iterations()) {
                TrainerState now = new TrainerState(iteration, feed.epoch, feed.batchInEpoch, config.seed(),
                        Nd4j.getRandom().rootState(), Nd4j.getRandom().nodeState());
                lastCheckpoint = store.save(graph, now).dir();
                for (TrainingProgress p : progress) {
                    p.checkpoint(iteration, lastCheckpoint);
                }
            }
        }
    }

    MultiDataSetIterator data() {
        return data;
    }

    private void replayDataOrder(TrainerState state) {
        data.reset();
        for (int e = 0; e < state.epoch(); e++) {
            data.reset();
        }
        for (int b = 0; b < state.batchInEpoch(); b++) {
            if (!data.hasNext()) {
                throw new IllegalStateException("cannot resume: the data iterator has fewer than " + state.batchInEpoch()
                        + " batches per epoch (was the dataset or batch size changed?)");
            }
            data.next();
        }
    }

    static String firstParamLayerName(ComputationGraph graph) {
        for (Layer l : graph.getLayers()) {
            if (l.numParams() > 0 && l.conf() != null && l.conf().getLayer() != null) {
                return l.conf().getLayer().getLayerName();
            }
        }
        return null;
    }

    double learningRate(String layerName) {
        if (layerName == null) {
            return Double.NaN;
        }
        try {
            Double lr = graph.getLearningRate(layerName);
            return lr == null ? Double.NaN : lr;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return s;
    }

    private static double sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }

    /** Reads the log of an earlier run, keeping iterations up to {@code upTo} (later ones are redone). */
    public static List<LossPoint> readLog(Path logFile, int upTo) {
        List<LossPoint> out = new ArrayList<>();
        if (!Files.isRegularFile(logFile)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                LossPoint p = JSON.readValue(line, LossPoint.class);
                if (p.iteration() <= upTo) out.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training log " + logFile + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void writeLog(Path logFile, List<LossPoint> points) {
        try (BufferedWriter w = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
            for (LossPoint p : points) {
                w.write(JSON.writeValueAsString(p));
                w.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training log " + logFile + ": " + e.getMessage(), e);
        }
    }
}
