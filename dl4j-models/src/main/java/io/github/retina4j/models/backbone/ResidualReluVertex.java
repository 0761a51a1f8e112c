package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.ParameterFreeGraphVertex;
import io.github.retina4j.models.dl4j.ParameterFreeVertex;
import io.github.retina4j.models.dl4j.Relu;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The end of a residual block: {@code relu(branch + shortcut)} (torchvision's {@code out += identity; relu(out)}).
 *
 * <p>Why not DL4J's {@code ElementWiseVertex} + {@code ActivationLayer}: in training that pair makes seven passes over
 * the block's output where this vertex makes four. The activation layer copies its input before the in-place ReLU (it
 * keeps the pre-activation for its backward pass), its backward copies it again before the ReLU derivative, and the
 * add vertex copies the error once per input. Here the forward pass is the sum plus an in-place ReLU, and the
 * backward pass masks the error with the output (relu'(z) = relu(z) &gt; 0) and copies it once, for the second input. In a
 * ResNet-50 RetinaNet training step at 512² the DL4J pair took about 7% of the profile samples (DESIGN §10.15).
 * Values and gradients are identical to the pair's; the channel order does not matter (inference runs it on NHWC).
 */
public final class ResidualReluVertex extends ParameterFreeVertex {

    @Override
    protected int inputCount() {
        return 2;
    }

    @Override
    public ResidualReluVertex clone() {
        return new ResidualReluVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResidualReluVertex;
    }

    @Override
    public int hashCode() {
        return ResidualReluVertex.class.hashCode();
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new Runtime(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length != 2 || !inputs[0].equals(inputs[1])) {
            throw new InvalidInputTypeException("ResidualReluVertex expects two inputs of one type, got "
                    + Arrays.toString(inputs));
        }
        return inputs[0];
    }

    @Override
    public String toString() {
        return "ResidualReluVertex()";
    }

    /** The runtime; keeps its training output for the backward pass (DL4J keeps every activation of a fit). */
    static final class Runtime extends ParameterFreeGraphVertex {
        private INDArray trainingOutput;

        Runtime(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
            super(graph, name, vertexIndex, dataType);
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            INDArray branch = inputs[0];
            INDArray shortcut = inputs[1];
            if (!Arrays.equals(branch.shape(), shortcut.shape())) {
                throw new IllegalArgumentException("Vertex " + vertexName + ": branch " + Arrays.toString(branch.shape())
                        + " and shortcut " + Arrays.toString(shortcut.shape()) + " differ in shape");
            }
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, branch.dataType(), branch.shape(), 'c');
            Relu.addForward(branch, shortcut, out);
            trainingOutput = training ? out : null;
            return out;
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            if (trainingOutput == null) {
                throw new IllegalStateException("Vertex " + vertexName + ": backward pass without a training forward pass");
            }
            INDArray masked = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    epsilon.shape(), 'c');
            Relu.backward(trainingOutput, epsilon, masked);
            trainingOutput = null;
            // two arrays: the graph sums the errors of a vertex with several consumers in place
            return new Pair<>(null, new INDArray[]{masked, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, masked)});
        }

        @Override
        public void clear() {
            super.clear();
            trainingOutput = null;
        }

        @Override
        public String toString() {
            return "ResidualReluVertex.Runtime(name=\"" + vertexName + "\")";
        }
    }
}
