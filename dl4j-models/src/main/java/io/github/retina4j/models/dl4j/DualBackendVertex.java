package io.github.retina4j.models.dl4j;

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


    public VertexBackend getBackend() {
        return backend;
    }

    /** {@code null} (a model file without the field) means the default. */
    public void setBackend(VertexBackend backend) {
        this.backend = backend == null ? VertexBackend.NATIVE_OPS : backend;
    }
}
