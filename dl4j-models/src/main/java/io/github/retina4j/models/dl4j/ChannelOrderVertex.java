package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A parameter-free vertex that copies a rank-4 activation from one channel order to the other, NCHW → NHWC or back,
 * and its error the other way: where a channels-last part of a graph (a ResNet backbone's, DESIGN §10.15; the
 * inference graph's, §10.14) meets a vertex that only knows NCHW. DL4J 1.0.0-M2.1 has no such vertex (its permute
 * preprocessors belong to the Keras import module).
 */
public final class ChannelOrderVertex extends ParameterFreeVertex {

    private final CNN2DFormat to;

    /** @param to the channel order of the output */
    @JsonCreator
    public ChannelOrderVertex(@JsonProperty("to") CNN2DFormat to) {
        this.to = to;
    }

    @JsonProperty("to")
    public CNN2DFormat to() {
        return to;
    }

    @Override
    protected int inputCount() {
        return 1;
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
    public String toString() {
        return "ChannelOrderVertex(to=" + to + ")";
    }

    /** The runtime: one strided copy into a c-order activation array, forward and backward. */
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
            return reordered(x, to, ArrayType.ACTIVATIONS, workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            CNN2DFormat from = to == CNN2DFormat.NHWC ? CNN2DFormat.NCHW : CNN2DFormat.NHWC;
            return new Pair<>(null, new INDArray[]{reordered(epsilon, from, ArrayType.ACTIVATION_GRAD, workspaceMgr)});
        }

        private static INDArray reordered(INDArray x, CNN2DFormat to, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
            INDArray view = to == CNN2DFormat.NHWC ? x.permute(0, 2, 3, 1) : x.permute(0, 3, 1, 2);
            INDArray out = workspaceMgr.createUninitialized(type, x.dataType(), view.shape(), 'c');
            return out.assign(view);
        }

        @Override
        public String toString() {
            return "ChannelOrderVertex.Runtime(name=\"" + vertexName + "\", to=" + to + ")";
        }
    }
}
