package io.github.retina4j.models.optimize;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The loops of {@link MomentumSgd}'s update and {@link L2WeightDecay}, loaded only when {@code VectorPasses} runs them.
 * Each multiplies and adds in separate roundings, as the ND4J ops they replace do. Indices count floats in
 * native-order buffers that start at the arrays' first elements.
 */
final class VectorSgd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorSgd() {
    }

    /** {@code v = μ·v + g; g = lr·v}: the velocity and the update DL4J subtracts, in one pass. */
    static void momentum(ByteBuffer v, ByteBuffer g, float mu, float lr, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += LANES) {
            int at = i * Float.BYTES;
            FloatVector nv = FloatVector.fromByteBuffer(F, v, at, ORDER).mul(mu).add(FloatVector.fromByteBuffer(F, g, at, ORDER));
            nv.intoByteBuffer(v, at, ORDER);
            nv.mul(lr).intoByteBuffer(g, at, ORDER);
        }
        for (; i < to; i++) {
            int at = i * Float.BYTES;
            float nv = v.getFloat(at) * mu + g.getFloat(at);
            v.putFloat(at, nv);
            g.putFloat(at, nv * lr);
        }
    }

    /** {@code g = g + λ·θ}. */
    static void addScaled(ByteBuffer theta, ByteBuffer g, float lambda, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += LANES) {
            int at = i * Float.BYTES;
            FloatVector.fromByteBuffer(F, theta, at, ORDER).mul(lambda).add(FloatVector.fromByteBuffer(F, g, at, ORDER))
                    .intoByteBuffer(g, at, ORDER);
        }
        for (; i < to; i++) {
            int at = i * Float.BYTES;
            g.putFloat(at, theta.getFloat(at) * lambda + g.getFloat(at));
        }
    }

    /** Σ θ² over [from, to): float lanes over runs of {@link #RUN} elements, summed in double. */
    static double squares(ByteBuffer theta, int from, int to) {
        double s = 0;
        int i = from;
        while (i < to) {
            int runEnd = Math.min(to, i + RUN);
            FloatVector acc = FloatVector.zero(F);
            for (int end = i + F.loopBound(runEnd - i); i < end; i += LANES) {
                FloatVector t = FloatVector.fromByteBuffer(F, theta, i * Float.BYTES, ORDER);
                acc = t.fma(t, acc);
            }
            s += acc.reduceLanes(VectorOperators.ADD);
            for (; i < runEnd; i++) {
                float t = theta.getFloat(i * Float.BYTES);
                s += (double) t * t;
            }
        }
        return s;
    }

    /** Elements per float accumulation before it joins the double sum: bounds the float round-off. */
    private static final int RUN = 1 << 12;
}
