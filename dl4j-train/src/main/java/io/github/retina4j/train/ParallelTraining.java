package io.github.retina4j.train;

import io.github.retina4j.losses.EqualizedFocalLoss;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.common.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-parallel mode of {@link Trainer}: DL4J's {@link ParallelWrapper} in parameter-averaging mode, averaging the
 * workers' parameters and updater states after every iteration (see {@link Trainer}, "Data-parallel training").
 *
 * <p>ParallelWrapper runs its rounds itself; it calls the model-parameter supplier at the top of every round, when
 * each worker is idle and the previous round's averaging is done (returning null leaves the parameters alone). That
 * call is this class's per-iteration hook: it merges the stateful losses' statistics, then logs and checkpoints the
 * round like a sequential iteration. The last round is finished after {@code fit} returns.
 */
final class ParallelTraining {

    private static final Logger LOG = LoggerFactory.getLogger(ParallelTraining.class);

    private ParallelTraining() {
    }

    static void train(Trainer trainer, Trainer.DataFeed feed, Trainer.Steps steps, List<TrainingListener> listeners)
            throws IOException {
        ComputationGraph graph = trainer.graph();
        int workers = trainer.config().workers();
        long rounds = trainer.config().iterations() - steps.iteration;
        ReplicaLosses replicas = new ReplicaLosses(workers);
        replicas.startRound(graph);
        List<TrainingListener> all = new ArrayList<>(listeners);
        all.add(replicas);
        graph.setListeners(all);
        RoundHook hook = new RoundHook(trainer, graph, feed, steps, replicas);
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(graph)
                .workers(workers)
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .averagingFrequency(1)
                .averageUpdaters(true)
                // the batches are pulled in the wrapper's thread, in order, so that checkpoints know the data position
                .prefetchBuffer(0)
                // the graph's own choice: graphs that execute SameDiff vertices must run without workspaces
                .workspaceMode(graph.getConfiguration().getTrainingWorkspaceMode())
                .modelParamsSupplier(hook)
                .build();
        LOG.info("data-parallel training: {} workers, parameters and updater state averaged every iteration", workers);
        try {
            wrapper.fit(new RoundIterator(feed, rounds * workers));
            hook.finishRound();
        } catch (LogFailure e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            // a worker's exception arrives wrapped (by its thread, then by ParallelWrapper.waitTillRunning)
            Throwable t = e;
            while (t.getClass() == RuntimeException.class && t.getCause() instanceof RuntimeException) {
                t = t.getCause();
            }
            throw (RuntimeException) t;
        } finally {
            replicas.abort();
            wrapper.shutdown();
        }
    }

    /** Carries the training log's IOException out of the supplier. */
    private static final class LogFailure extends RuntimeException {
        LogFailure(IOException e) {
            super(e);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** Called by ParallelWrapper at the top of each round (workers idle, averaging done). */
    private static final class RoundHook implements Supplier<INDArray> {
        private final Trainer trainer;
        private final ComputationGraph graph;
        private final Trainer.DataFeed feed;
        private final Trainer.Steps steps;
        private final ReplicaLosses replicas;
        private final String firstLayer;
        private boolean roundOpen;
        private double lr;
        private long t0;

        RoundHook(Trainer trainer, ComputationGraph graph, Trainer.DataFeed feed, Trainer.Steps steps, ReplicaLosses replicas) {
            this.trainer = trainer;
            this.graph = graph;
            this.feed = feed;
            this.steps = steps;
            this.replicas = replicas;
            this.firstLayer = Trainer.firstParamLayerName(graph);
        }

        @Override
        public INDArray get() {
            try {
                finishRound();
            } catch (IOException e) {
                throw new LogFailure(e);
            }
            roundOpen = true;
            lr = trainer.learningRate(firstLayer);
            t0 = System.nanoTime();
            return null;
        }

        void finishRound() throws IOException {
            if (!roundOpen) {
                return;
            }
            roundOpen = false;
            replicas.combine();
            double seconds = (System.nanoTime() - t0) / 1e9;
            // ParallelWrapper sets the workers' mean score on the original graph when it averages
            steps.done(graph.score(), feed.takeImages(), seconds, lr);
        }
    }

    /** Serves exactly {@code limit} batches from the feed (epochs roll over inside), one round's worth per call of next(n). */
    private static final class RoundIterator implements MultiDataSetIterator {
        private final Trainer.DataFeed feed;
        private long remaining;

        RoundIterator(Trainer.DataFeed feed, long limit) {
            this.feed = feed;
            this.remaining = limit;
        }

        @Override
        public boolean hasNext() {
            return remaining > 0;
        }

        @Override
        public MultiDataSet next() {
            if (remaining <= 0) {
                throw new java.util.NoSuchElementException();
            }
            remaining--;
            return feed.next();
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException("set the pre-processor on the training data iterator");
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("the trainer resets the training data itself");
        }
    }

    /**
     * Knows every worker's replica of the graph, holds the workers at their first forward pass until all replicas
     * exist, and merges the statistics of the replicas' stateful losses ({@link EqualizedFocalLoss#combineRounds}) at
     * each averaging point: a replica is made from the graph's configuration, so each worker's loss holds its own copy
     * of the statistics.
     *
     * <p>The hold is needed because ParallelWrapper's first worker trains the original graph while the other workers
     * are still copying it (parameters, updater state, configuration with the loss statistics): without it a copy can
     * start from the original's state after its first step (seen: EFL statistics that had already taken the first
     * worker's round).
     */
    static final class ReplicaLosses extends BaseTrainingListener {
        private final Set<ComputationGraph> graphs = Collections.synchronizedSet(
                Collections.newSetFromMap(new IdentityHashMap<>()));
        private final CountDownLatch allReplicasExist;
        private volatile boolean aborted;

        ReplicaLosses(int workers) {
            this.allReplicasExist = new CountDownLatch(workers);
        }

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            if (model instanceof ComputationGraph g && graphs.add(g)) {
                allReplicasExist.countDown();
                try {
                    while (!allReplicasExist.await(100, TimeUnit.MILLISECONDS)) {
                        if (aborted) {
                            throw new IllegalStateException("data-parallel training stopped before every worker started");
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the other workers", e);
                }
            }
        }

        /** Releases workers still waiting for the others (a worker failed, or training stopped). */
        void abort() {
            aborted = true;
        }

        void startRound(ComputationGraph graph) {
            for (EqualizedFocalLoss l : equalizedFocalLosses(graph).values()) {
                l.startRound();
            }
        }

        void combine() {
            Map<String, List<EqualizedFocalLoss>> byLayer = new LinkedHashMap<>();
            synchronized (graphs) {
                for (ComputationGraph g : graphs) {
                    equalizedFocalLosses(g).forEach((layer, loss) -> byLayer.computeIfAbsent(layer, k -> new ArrayList<>()).add(loss));
                }
            }
            for (List<EqualizedFocalLoss> replicas : byLayer.values()) {
                EqualizedFocalLoss.combineRounds(replicas);
            }
        }

        /** The EFL instances a graph's output layers use, by layer name. */
        static Map<String, EqualizedFocalLoss> equalizedFocalLosses(ComputationGraph graph) {
            Map<String, EqualizedFocalLoss> out = new LinkedHashMap<>();
            for (Layer l : graph.getLayers()) {
                if (l.conf() != null && lossOf(l.conf().getLayer()) instanceof EqualizedFocalLoss efl) {
                    out.put(l.conf().getLayer().getLayerName(), efl);
                }
            }
            return out;
        }

        /** The loss of an output layer configuration (DL4J's output layers share no interface for it), else null. */
        private static ILossFunction lossOf(org.deeplearning4j.nn.conf.layers.Layer layer) {
            if (layer instanceof RnnLossLayer l) {
                return l.getLossFn();
            }
            if (layer instanceof LossLayer l) {
                return l.getLossFn();
            }
            if (layer instanceof CnnLossLayer l) {
                return l.getLossFn();
            }
            if (layer instanceof BaseOutputLayer l) {
                return l.getLossFn();
            }
            return null;
        }
    }
}
