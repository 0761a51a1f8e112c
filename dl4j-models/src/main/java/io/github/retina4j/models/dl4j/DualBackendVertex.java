package io.github.retina4j.models.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@code SameDiffVertex} configuration whose function also has a hand-written runtime: its SameDiff definition
 * ({@code defineVertex}) is the reference, and {@link #getBackend()} says which of the two a graph instantiates
 * (saved in the graph JSON; files without the field get the default, {@link VertexBackend#NATIVE_OPS}).
 */
public abstract class DualBackendVertex extends GradientCorrectedSameDiffVertex {
    private VertexBackend backend = VertexBackend.NATIVE_OPS;

    /** The hand-written runtime ({@link VertexBackend#NATIVE_OPS}) of this configuration. */
    protected abstract GraphVertex instantiateNative(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                                     boolean initializeParams, DataType networkDatatype);

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        if (backend == VertexBackend.SAMEDIFF) {
            return super.instantiate(graph, name, idx, paramsView, initializeParams, networkDatatype);
        }
        setName(name);
        return instantiateNative(graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    /**
     * Gives {@code copy} what DL4J's global configuration set on this vertex (updaters, regularisation, gradient
     * normalisation, data type, name) and the backend. A {@code clone()} that builds a new instance must pass it
     * through here: without the updaters {@code ComputationGraph.clone()} fails ("Updater for parameter ... was null").
     */
    protected <T extends DualBackendVertex> T copySettingsTo(T copy) {
        copy.setBackend(backend);
        copy.updater = updater == null ? null : updater.clone();
        copy.biasUpdater = biasUpdater == null ? null : biasUpdater.clone();
        copy.regularization = copyOf(regularization);
        copy.regularizationBias = copyOf(regularizationBias);
        copy.gradientNormalization = gradientNormalization;
        copy.gradientNormalizationThreshold = gradientNormalizationThreshold;
        copy.dataType = dataType;
        copy.setName(getName());
        return copy;
    }

    private static List<Regularization> copyOf(List<Regularization> list) {
        if (list == null) {
            return null;
        }
        List<Regularization> out = new ArrayList<>(list.size());
        for (Regularization r : list) {
            out.add(r.clone());
        }
        return out;
    }

    public VertexBackend getBackend() {
        return backend;
    }

    /** {@code null} (a model file written before the switch existed) means the default. */
    public void setBackend(VertexBackend backend) {
        this.backend = backend == null ? VertexBackend.NATIVE_OPS : backend;
    }
}
