package io.github.retina4j.models.inference;

import io.github.retina4j.models.dl4j.ParameterFreeGraphVertex;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free vertex that copies a rank-4 activation from one channel order to the other, NCHW → NHWC or back:
 * where the channels-last inference graph ({@link ChannelsLastInference}) meets a vertex that only knows NCHW.
 * DL4J 1.0.0-M2.1 has no such vertex (its permute preprocessors belong to the Keras import module). Inference only.
 */
public final class ChannelOrderVertex extends GraphVertex {

    private final CNN2DFormat to;

    /** @param to the channel order of the output */
    public ChannelOrderVertex(CNN2DFormat to) {
        this.to = to;
    }

    public CNN2DFormat to() {
        return to;
    }

    @Override
    public ChannelOrderVertex clone() {
        return new ChannelOrderVertex(to);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelOrderVertex v && v.to == to;
    }

    @Override
    public int hashCode() {
        return to.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, to, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length != 1 || !(inputs[0] instanceof InputType.InputTypeConvolutional c)) {
            throw new InvalidInputTypeException("ChannelOrderVertex expects one convolutional input, got "
                    + java.util.Arrays.toString(inputs));
        }
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), to);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputs) {
        InputType out = getOutputType(-1, inputs);
        return new LayerMemoryReport.Builder(null, getClass(), inputs[0], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public String toString() {
        return "ChannelOrderVertex(to=" + to + ")";
    }

    /** The runtime: one strided copy into a c-order activation array. */
    static final class Runtime extends ParameterFreeGraphVertex {
        private final CNN2DFormat to;

        Runtime(ComputationGraph graph, String name, int vertexIndex, CNN2DFormat to, DataType dataType) {
            super(graph, name, vertexIndex, dataType);
            this.to = to;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = inputs[0];
            if (x.rank() != 4) {
                throw new IllegalArgumentException("Vertex " + vertexName + ": expects a rank-4 activation, got "
                        + java.util.Arrays.toString(x.shape()));
            }
            INDArray view = to == CNN2DFormat.NHWC ? x.permute(0, 2, 3, 1) : x.permute(0, 3, 1, 2);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), view.shape(), 'c');
            return out.assign(view);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            throw new UnsupportedOperationException("Vertex " + vertexName + ": the channels-last graph is for inference");
        }

        @Override
        public String toString() {
            return "ChannelOrderVertex.Runtime(name=\"" + vertexName + "\", to=" + to + ")";
        }
    }
}
