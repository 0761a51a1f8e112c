package io.github.retina4j.models.fpn;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ResizeToReferenceVertexTest {

    @Test
    void outputTypeHasTheMapsChannelsAndTheReferenceSize() {
        for (ResizeToReferenceVertex v : new ResizeToReferenceVertex[]{new NearestResizeVertex(), new AdaptiveMaxPoolVertex()}) {
            InputType out = v.getOutputType(0, InputType.convolutional(12, 20, 8), InputType.convolutional(6, 10, 3));
            assertEquals(InputType.convolutional(6, 10, 8), out);
            assertEquals(0, v.numParams(true));
            assertEquals(2, v.minVertexInputs());
            assertEquals(2, v.maxVertexInputs());
            assertNotNull(v.getMemoryReport(InputType.convolutional(12, 20, 8), InputType.convolutional(6, 10, 3)));
            assertThrows(InvalidInputTypeException.class, () -> v.getOutputType(0, InputType.feedForward(4),
                    InputType.convolutional(6, 10, 3)));
        }
    }

    @Test
    void equalityIsByClass() {
        assertEquals(new NearestResizeVertex(), new NearestResizeVertex());
        assertEquals(new NearestResizeVertex().hashCode(), new NearestResizeVertex().hashCode());
        assertNotEquals(new NearestResizeVertex(), new AdaptiveMaxPoolVertex());
        assertSame(NearestResize.INSTANCE, new NearestResizeVertex().resize());
        assertSame(AdaptiveMaxPool.INSTANCE, new AdaptiveMaxPoolVertex().resize());
    }
}
