package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.ParameterFreeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a parameter-free graph vertex with two convolutional inputs that resizes the first to the
 * spatial size of the second (the reference, which only lends its size and receives a zero gradient). Needed where
 * the target size is only known at run time, e.g. the balanced feature pyramid's gather/scatter between pyramid
 * levels of arbitrary padded input sizes. Subclasses choose the {@link SpatialResize}; the runtime vertex is
 * {@link ResizeToReferenceGraphVertex}. No fields: the JSON form is the class name alone.
 */
public abstract class ResizeToReferenceVertex extends ParameterFreeVertex {

    /** The resize this vertex applies. */
    protected abstract SpatialResize resize();

    @Override
    protected int inputCount() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new ResizeToReferenceGraphVertex(graph, name, idx, resize(), networkDatatype);
    }

    /** Channels of the first input, height and width of the reference. */
    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length != 2 || !(inputs[0] instanceof InputType.InputTypeConvolutional x)
                || !(inputs[1] instanceof InputType.InputTypeConvolutional ref)) {
            throw new InvalidInputTypeException(getClass().getSimpleName() + " expects two convolutional inputs "
                    + "(map, size reference), got " + java.util.Arrays.toString(inputs));
        }
        return InputType.convolutional(ref.getHeight(), ref.getWidth(), x.getChannels(), x.getFormat());
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
