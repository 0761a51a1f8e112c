package io.github.retina4j.models.dl4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The loops of {@link Relu} on the incubating Vector API, loaded only when {@link Relu} finds the module. They use
 * libnd4j's comparisons (ReLU keeps x unless x &lt; 0; its backward pass keeps the error where the output is &gt; 0),
 * so NaN and -0 come out as from the ND4J ops. Indices count floats in native-order buffers that start at the
 * arrays' first elements.
 */
final class VectorRelu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final FloatVector ZERO = FloatVector.zero(F);

    private VectorRelu() {
    }

    static void relu(ByteBuffer x, ByteBuffer out, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += LANES) {
            FloatVector v = FloatVector.fromByteBuffer(F, x, i * Float.BYTES, ORDER);
            v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoByteBuffer(out, i * Float.BYTES, ORDER);
        }
        for (; i < to; i++) {
            float v = x.getFloat(i * Float.BYTES);
            out.putFloat(i * Float.BYTES, v < 0f ? 0f : v);
        }
    }

    static void addRelu(ByteBuffer a, ByteBuffer b, ByteBuffer out, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += LANES) {
            FloatVector v = FloatVector.fromByteBuffer(F, a, i * Float.BYTES, ORDER)
                    .add(FloatVector.fromByteBuffer(F, b, i * Float.BYTES, ORDER));
            v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoByteBuffer(out, i * Float.BYTES, ORDER);
        }
        for (; i < to; i++) {
            float v = a.getFloat(i * Float.BYTES) + b.getFloat(i * Float.BYTES);
            out.putFloat(i * Float.BYTES, v < 0f ? 0f : v);
        }
    }

    static void mask(ByteBuffer output, ByteBuffer delta, ByteBuffer result, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += LANES) {
            FloatVector y = FloatVector.fromByteBuffer(F, output, i * Float.BYTES, ORDER);
            ZERO.blend(FloatVector.fromByteBuffer(F, delta, i * Float.BYTES, ORDER), y.compare(VectorOperators.GT, 0f))
                    .intoByteBuffer(result, i * Float.BYTES, ORDER);
        }
        for (; i < to; i++) {
            float d = delta.getFloat(i * Float.BYTES);
            result.putFloat(i * Float.BYTES, output.getFloat(i * Float.BYTES) > 0f ? d : 0f);
        }
    }
}
