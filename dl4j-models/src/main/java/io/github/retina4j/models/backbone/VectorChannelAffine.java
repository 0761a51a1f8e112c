package io.github.retina4j.models.backbone;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The loops of {@link ChannelAffine}'s fused passes, loaded only when {@code VectorPasses} runs them: frozen batch
 * norm and its ReLU in one pass forward, ReLU's mask and the scale in one pass backward. Each rounds as the separate
 * passes they replace (multiply, then add; mask, then multiply) and compares as libnd4j's ReLU does, so the results
 * are identical. Indices count floats in native-order buffers that start at the arrays' first elements; the channel
 * of element i is {@code i % channels} channels-last and {@code (i / plane) % channels} channels-first.
 */
final class VectorChannelAffine {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final FloatVector ZERO = FloatVector.zero(F);

    private VectorChannelAffine() {
    }

    // Each kernel walks its own runs (a pixel's channels, or a channel's plane) on purpose: one shared walker calling
    // the kernels' bodies per run measured 0.90–0.92 / 1.00–1.25 ms against 0.63–0.72 / 0.73–0.79 ms forward / backward
    // on a channels-last [2, 64, 64, 256] array (runs of 256 floats; channels-first unchanged).

    /** {@code out = x·k[c] + b[c]}, then ReLU if {@code relu}; channels-last. */
    static void forwardChannelsLast(ByteBuffer x, ByteBuffer out, float[] k, float[] b, boolean relu, int from, int to) {
        int channels = k.length;
        int i = from;
        while (i < to) {
            int c = i % channels;
            int run = Math.min(channels - c, to - i);
            int j = 0;
            for (int end = F.loopBound(run); j < end; j += LANES) {
                int at = (i + j) * Float.BYTES;
                FloatVector v = FloatVector.fromByteBuffer(F, x, at, ORDER).mul(FloatVector.fromArray(F, k, c + j))
                        .add(FloatVector.fromArray(F, b, c + j));
                (relu ? v.blend(0f, v.compare(VectorOperators.LT, 0f)) : v).intoByteBuffer(out, at, ORDER);
            }
            for (; j < run; j++) {
                int at = (i + j) * Float.BYTES;
                float v = x.getFloat(at) * k[c + j] + b[c + j];
                out.putFloat(at, relu && v < 0f ? 0f : v);
            }
            i += run;
        }
    }

    /** The same channels-first: runs of one channel's plane. */
    static void forwardChannelsFirst(ByteBuffer x, ByteBuffer out, float[] k, float[] b, boolean relu, int plane,
                                     int from, int to) {
        int i = from;
        while (i < to) {
            int c = (i / plane) % k.length;
            int run = Math.min(plane - i % plane, to - i);
            FloatVector kv = FloatVector.broadcast(F, k[c]);
            FloatVector bv = FloatVector.broadcast(F, b[c]);
            int j = 0;
            for (int end = F.loopBound(run); j < end; j += LANES) {
                int at = (i + j) * Float.BYTES;
                FloatVector v = FloatVector.fromByteBuffer(F, x, at, ORDER).mul(kv).add(bv);
                (relu ? v.blend(0f, v.compare(VectorOperators.LT, 0f)) : v).intoByteBuffer(out, at, ORDER);
            }
            for (; j < run; j++) {
                int at = (i + j) * Float.BYTES;
                float v = x.getFloat(at) * k[c] + b[c];
                out.putFloat(at, relu && v < 0f ? 0f : v);
            }
            i += run;
        }
    }

    /**
     * {@code out = (y > 0 ? d : 0)·k[c] + 0}: ReLU's backward pass from its output y, then the scale; channels-last.
     * The + 0 turns −0 into 0, as the affine pass with a zero shift does.
     */
    static void backwardChannelsLast(ByteBuffer y, ByteBuffer d, ByteBuffer out, float[] k, int from, int to) {
        int channels = k.length;
        int i = from;
        while (i < to) {
            int c = i % channels;
            int run = Math.min(channels - c, to - i);
            int j = 0;
            for (int end = F.loopBound(run); j < end; j += LANES) {
                int at = (i + j) * Float.BYTES;
                ZERO.blend(FloatVector.fromByteBuffer(F, d, at, ORDER),
                                FloatVector.fromByteBuffer(F, y, at, ORDER).compare(VectorOperators.GT, 0f))
                        .mul(FloatVector.fromArray(F, k, c + j)).add(ZERO).intoByteBuffer(out, at, ORDER);
            }
            for (; j < run; j++) {
                int at = (i + j) * Float.BYTES;
                out.putFloat(at, (y.getFloat(at) > 0f ? d.getFloat(at) : 0f) * k[c + j] + 0f);
            }
            i += run;
        }
    }

    /** The same channels-first. */
    static void backwardChannelsFirst(ByteBuffer y, ByteBuffer d, ByteBuffer out, float[] k, int plane, int from, int to) {
        int i = from;
        while (i < to) {
            int c = (i / plane) % k.length;
            int run = Math.min(plane - i % plane, to - i);
            FloatVector kv = FloatVector.broadcast(F, k[c]);
            int j = 0;
            for (int end = F.loopBound(run); j < end; j += LANES) {
                int at = (i + j) * Float.BYTES;
                ZERO.blend(FloatVector.fromByteBuffer(F, d, at, ORDER),
                                FloatVector.fromByteBuffer(F, y, at, ORDER).compare(VectorOperators.GT, 0f))
                        .mul(kv).add(ZERO).intoByteBuffer(out, at, ORDER);
            }
            for (; j < run; j++) {
                int at = (i + j) * Float.BYTES;
                out.putFloat(at, (y.getFloat(at) > 0f ? d.getFloat(at) : 0f) * k[c] + 0f);
            }
            i += run;
        }
    }
}
