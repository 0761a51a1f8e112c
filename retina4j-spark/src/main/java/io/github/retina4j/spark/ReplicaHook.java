package io.github.retina4j.spark;

import io.github.retina4j.losses.EqualizedFocalLoss;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs in each executor's copy of the graph (DL4J's parameter-averaging worker) and repairs two things that the worker
 * gets wrong for our detectors:
 * <ul>
 *   <li>The worker builds its graph from {@code ComputationGraphConfiguration.clone()}, which in DL4J 1.0.0-M2.1 does
 *       not copy the iteration count: every round would restart the learning-rate schedule (warm-up) at 0. The hook
 *       sets the driver's count, which the driver gives it before each round.</li>
 *   <li>That clone is shallow for the loss: the worker's EFL is the broadcast configuration's instance, shared with the
 *       other tasks of the executor (and, in local mode, with the driver's graph), and nothing sends its statistics
 *       back. The hook gives the worker a private copy and sends the copy's round ({@link EqualizedFocalLoss#takeRound})
 *       to the driver through a Spark accumulator; the driver merges them ({@link EqualizedFocalLoss#mergeRounds}).</li>
 * </ul>
 */
final class ReplicaHook implements TrainingHook {
    private static final long serialVersionUID = 1L;

    /** One layer's EFL round from one worker. */
    record LayerRound(String layer, EqualizedFocalLoss.Round round) implements Serializable {
    }

    private final CollectionAccumulator<LayerRound> rounds;
    private int iteration;
    private int epoch;
    /** Graphs of this task already prepared (the hook is deserialised per task). */
    private transient Set<Model> prepared;

    ReplicaHook(CollectionAccumulator<LayerRound> rounds) {
        this.rounds = rounds;
    }

    /** The driver's counters at the start of the next round. */
    void roundStarts(int iteration, int epoch) {
        this.iteration = iteration;
        this.epoch = epoch;
    }

    CollectionAccumulator<LayerRound> rounds() {
        return rounds;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        if (!(model instanceof ComputationGraph graph)) {
            return;
        }
        synchronized (this) {
            if (prepared == null) {
                prepared = Collections.newSetFromMap(new IdentityHashMap<>());
            }
            if (!prepared.add(graph)) {
                return;
            }
        }
        graph.getConfiguration().setIterationCount(iteration);
        graph.getConfiguration().setEpochCount(epoch);
        for (Layer l : graph.getLayers()) {
            if (l.conf() != null && l.conf().getLayer() instanceof RnnLossLayer conf
                    && conf.getLossFn() instanceof EqualizedFocalLoss shared) {
                EqualizedFocalLoss own = copy(shared);
                own.startRound();
                conf.setLossFn(own);
            }
        }
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        if (model instanceof ComputationGraph graph) {
            equalizedFocalLosses(graph).forEach((layer, efl) -> {
                EqualizedFocalLoss.Round r = efl.takeRound();
                if (r != null) {
                    rounds.add(new LayerRound(layer, r));
                }
            });
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("detectors train on MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("detectors train on MultiDataSets");
    }

    /** The EFL instances of a graph's {@code RnnLossLayer}s (the detector's dense outputs), by layer name. */
    static Map<String, EqualizedFocalLoss> equalizedFocalLosses(ComputationGraph graph) {
        Map<String, EqualizedFocalLoss> out = new LinkedHashMap<>();
        for (Layer l : graph.getLayers()) {
            if (l.conf() != null && l.conf().getLayer() instanceof RnnLossLayer conf
                    && conf.getLossFn() instanceof EqualizedFocalLoss efl) {
                out.put(conf.getLayerName(), efl);
            }
        }
        return out;
    }

    private static EqualizedFocalLoss copy(EqualizedFocalLoss loss) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            synchronized (loss) {
                try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                    out.writeObject(loss);
                }
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return (EqualizedFocalLoss) in.readObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + loss.name(), e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("cannot copy " + loss.name(), e);
        }
    }
}
