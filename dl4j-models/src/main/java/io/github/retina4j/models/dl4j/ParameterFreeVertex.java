package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;

/**
 * The part every configuration of a parameter-free vertex repeats: no parameters, a fixed number of inputs, no memory
 * of its own beyond its output. Subclasses give the output type, the runtime ({@link ParameterFreeGraphVertex}) and
 * their value semantics. No fields here, so a subclass's JSON form is its own.
 */
public abstract class ParameterFreeVertex extends GraphVertex {

    /** How many inputs the vertex takes. */
    protected abstract int inputCount();

    @Override
    public final long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public final int minVertexInputs() {
        return inputCount();
    }

    @Override
    public final int maxVertexInputs() {
        return inputCount();
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputs) {
        InputType out = getOutputType(-1, inputs);
        return new LayerMemoryReport.Builder(null, getClass(), inputs[0], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }
}
