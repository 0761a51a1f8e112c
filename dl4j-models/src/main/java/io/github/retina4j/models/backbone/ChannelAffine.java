package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.Relu;
import io.github.retina4j.models.dl4j.VectorPasses;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * {@code out[n, c, …] = x[n, c, …] · scale[c] + shift[c]} for c-order {@code [N, C, …]} arrays, and its channels-last
 * form for {@code [N, H, W, C]}: the arithmetic of {@link FrozenBatchNormLayer}.
 *
 * <p>Hand-written because ND4J 1.0.0-M2.1 has no fast per-channel affine on NCHW: {@code BroadcastMulOp} over axis 1,
 * the numpy-broadcast {@code MulOp} and the {@code batchnorm} op each ran at about 1 GB/s on this machine (8–30 ms for
 * 8 MB, against 1 ms for a copy), 2.5–10× slower than this loop, which streams each channel plane through a small
 * heap chunk (bulk copies + a loop the JIT vectorises) on the common fork-join pool.
 *
 * <p>{@link #forward} and {@link #backward} are the layer's passes with its ReLU folded in: one read and one write of
 * each operand on the Vector API where it runs, instead of an affine pass and a ReLU pass (DESIGN §10.17).
 */
final class ChannelAffine {
    /** Elements per heap chunk: large enough to amortise the bulk copies, small enough to stay in L1/L2. */
    private static final int CHUNK = 8192;
    /** Below this many elements the work is not split across threads. */
    private static final long PARALLEL_THRESHOLD = 1 << 16;
    /** Blocks per core: enough to balance uneven progress, few enough to keep per-block setup negligible. */
    private static final int BLOCKS_PER_THREAD = 4;

    private ChannelAffine() {
    }

    /** Contiguous c-order storage starting at offset 0 (the layout the loops index), duplicated if needed. */
    static INDArray dense(INDArray x) {
        if (x.offset() == 0 && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) && x.data().length() >= x.length()) {
            return x;
        }
        return x.dup('c');
    }

    /**
     * Frozen batch norm's forward pass: {@code out = x·scale[c] + shift[c]}, then ReLU if {@code relu}. One vector pass
     * where {@link VectorPasses} takes the arrays; else {@link #apply}/{@link #applyChannelsLast} and {@link Relu}.
     *
     * @param x            {@code [N, C, H, W]} or, {@code channelsLast}, {@code [N, H, W, C]}; dense c-order
     * @param shift        length C, or null for none
     * @param out          same shape and type as {@code x}, dense c-order; may be {@code x}
     */
    static void forward(INDArray x, double[] scale, double[] shift, boolean relu, boolean channelsLast, INDArray out) {
        forward(x, scale, shift, relu, channelsLast, out, true);
    }

    static void forward(INDArray x, double[] scale, double[] shift, boolean relu, boolean channelsLast, INDArray out,
                        boolean vector) {
        // the kernels find an element's channel from its index in c order
        if (vector && x.ordering() == 'c' && VectorPasses.applies(x, out)) {
            float[] k = floats(scale);
            float[] b = shift == null ? new float[scale.length] : floats(shift);
            if (channelsLast) {
                VectorPasses.run((buf, from, to) -> VectorChannelAffine.forwardChannelsLast(buf[0], buf[1], k, b, relu,
                        from, to), x, out);
            } else {
                int plane = (int) plane(x); // VectorPasses takes int-indexed arrays only
                VectorPasses.run((buf, from, to) -> VectorChannelAffine.forwardChannelsFirst(buf[0], buf[1], k, b, relu,
                        plane, from, to), x, out);
            }
            return;
        }
        if (channelsLast) {
            applyChannelsLast(x, scale, shift, out);
        } else {
            apply(x, scale, shift, out);
        }
        if (relu) {
            Relu.forward(out, out);
        }
    }

    /**
     * Frozen batch norm's backward pass after a ReLU: {@code out = (y > 0 ? delta : 0)·scale[c]}, from the layer's
     * output y (relu'(z) = relu(z) &gt; 0). One vector pass where {@link VectorPasses} takes the arrays; else
     * {@link Relu#backward} and the scale, both into {@code out}.
     *
     * @param y, delta, out {@code [N, C, H, W]} or, {@code channelsLast}, {@code [N, H, W, C]}; dense c-order;
     *                      {@code out} may be {@code delta}
     */
    static void backward(INDArray y, INDArray delta, double[] scale, boolean channelsLast, INDArray out) {
        backward(y, delta, scale, channelsLast, out, true);
    }

    static void backward(INDArray y, INDArray delta, double[] scale, boolean channelsLast, INDArray out, boolean vector) {
        if (vector && y.ordering() == 'c' && VectorPasses.applies(y, delta, out)) {
            float[] k = floats(scale);
            if (channelsLast) {
                VectorPasses.run((buf, from, to) -> VectorChannelAffine.backwardChannelsLast(buf[0], buf[1], buf[2], k,
                        from, to), y, delta, out);
            } else {
                int plane = (int) plane(y);
                VectorPasses.run((buf, from, to) -> VectorChannelAffine.backwardChannelsFirst(buf[0], buf[1], buf[2], k,
                        plane, from, to), y, delta, out);
            }
            return;
        }
        Relu.backward(y, delta, out);
        forward(out, scale, null, false, channelsLast, out, false);
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** Elements per channel plane of a channels-first {@code [N, C, …]} array. */
    private static long plane(INDArray x) {
        return x.length() / Math.max(1, x.size(0) * x.size(1));
    }

    /**
     * @param x     {@code [N, C, …]}, dense c-order (see {@link #dense})
     * @param scale length C
     * @param shift length C, or null for none
     * @param out   same shape and type as {@code x}, dense c-order
     */
    static void apply(INDArray x, double[] scale, double[] shift, INDArray out) {
        long n = x.size(0);
        int c = (int) x.size(1);
        long plane = plane(x);
        int rows = (int) (n * c);
        if (plane > Integer.MAX_VALUE || x.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ChannelAffine: array too large for NIO indexing: " + x.length());
        }
        // Rows (channel planes) in a few blocks per thread; each block reuses one heap chunk for all its rows.
        int blocks = x.length() >= PARALLEL_THRESHOLD ? Math.min(rows, BLOCKS_PER_THREAD * Runtime.getRuntime().availableProcessors()) : 1;
        int chunk = (int) Math.min(CHUNK, plane);
        IntStream r = IntStream.range(0, blocks);
        if (blocks > 1) {
            r = r.parallel();
        }
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer in = x.data().asNioFloat();
            FloatBuffer o = out.data().asNioFloat();
            r.forEach(b -> {
                float[] buf = new float[chunk];
                for (int row = firstRow(b, blocks, rows); row < firstRow(b + 1, blocks, rows); row++) {
                    floatRow(in, o, buf, row * (int) plane, (int) plane, (float) scale[row % c],
                            shift == null ? 0f : (float) shift[row % c]);
                }
            });
        } else if (x.dataType() == DataType.DOUBLE) {
            DoubleBuffer in = x.data().asNioDouble();
            DoubleBuffer o = out.data().asNioDouble();
            r.forEach(b -> {
                double[] buf = new double[chunk];
                for (int row = firstRow(b, blocks, rows); row < firstRow(b + 1, blocks, rows); row++) {
                    doubleRow(in, o, buf, row * (int) plane, (int) plane, scale[row % c], shift == null ? 0.0 : shift[row % c]);
                }
            });
        } else {
            throw new IllegalArgumentException("ChannelAffine: FLOAT or DOUBLE arrays only, got " + x.dataType());
        }
        // The NIO views do not keep the arrays (and their native memory) alive.
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(out);
    }

    /**
     * The same for channels-last {@code [N, H, W, C]} arrays: each block streams whole pixels through a heap chunk and
     * multiplies by scale and shift repeated to the chunk's length, so the loop stays one the JIT vectorises.
     *
     * @param x     {@code [N, H, W, C]}, dense c-order (see {@link #dense})
     * @param scale length C
     * @param shift length C, or null for none
     * @param out   same shape and type as {@code x}, dense c-order
     */
    static void applyChannelsLast(INDArray x, double[] scale, double[] shift, INDArray out) {
        int c = (int) x.size(x.rank() - 1);
        if (x.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ChannelAffine: array too large for NIO indexing: " + x.length());
        }
        int pixels = (int) (x.length() / Math.max(1, c));
        int perChunk = Math.max(1, Math.min(pixels, CHUNK / Math.max(1, c)));
        int chunk = perChunk * c;
        int blocks = x.length() >= PARALLEL_THRESHOLD
                ? Math.min(pixels, BLOCKS_PER_THREAD * Runtime.getRuntime().availableProcessors()) : 1;
        IntStream r = IntStream.range(0, blocks);
        if (blocks > 1) {
            r = r.parallel();
        }
        if (x.dataType() == DataType.FLOAT) {
            float[] k = new float[chunk];
            float[] b = new float[chunk];
            for (int i = 0; i < chunk; i++) {
                k[i] = (float) scale[i % c];
                b[i] = shift == null ? 0f : (float) shift[i % c];
            }
            FloatBuffer in = x.data().asNioFloat();
            FloatBuffer o = out.data().asNioFloat();
            r.forEach(block -> {
                float[] buf = new float[chunk];
                int end = firstRow(block + 1, blocks, pixels) * c;
                for (int from = firstRow(block, blocks, pixels) * c; from < end; from += chunk) {
                    int len = Math.min(chunk, end - from);
                    in.get(from, buf, 0, len);
                    for (int i = 0; i < len; i++) {
                        buf[i] = buf[i] * k[i] + b[i];
                    }
                    o.put(from, buf, 0, len);
                }
            });
        } else if (x.dataType() == DataType.DOUBLE) {
            double[] k = new double[chunk];
            double[] b = new double[chunk];
            for (int i = 0; i < chunk; i++) {
                k[i] = scale[i % c];
                b[i] = shift == null ? 0.0 : shift[i % c];
            }
            DoubleBuffer in = x.data().asNioDouble();
            DoubleBuffer o = out.data().asNioDouble();
            r.forEach(block -> {
                double[] buf = new double[chunk];
                int end = firstRow(block + 1, blocks, pixels) * c;
                for (int from = firstRow(block, blocks, pixels) * c; from < end; from += chunk) {
                    int len = Math.min(chunk, end - from);
                    in.get(from, buf, 0, len);
                    for (int i = 0; i < len; i++) {
                        buf[i] = buf[i] * k[i] + b[i];
                    }
                    o.put(from, buf, 0, len);
                }
            });
        } else {
            throw new IllegalArgumentException("ChannelAffine: FLOAT or DOUBLE arrays only, got " + x.dataType());
        }
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(out);
    }

    private static int firstRow(int block, int blocks, int rows) {
        return (int) ((long) block * rows / blocks);
    }

    private static void floatRow(FloatBuffer in, FloatBuffer out, float[] buf, int start, int length, float k, float b) {
        for (int from = start, end = start + length; from < end; from += buf.length) {
            int len = Math.min(buf.length, end - from);
            in.get(from, buf, 0, len);
            for (int i = 0; i < len; i++) {
                buf[i] = buf[i] * k + b;
            }
            out.put(from, buf, 0, len);
        }
    }

    private static void doubleRow(DoubleBuffer in, DoubleBuffer out, double[] buf, int start, int length, double k, double b) {
        for (int from = start, end = start + length; from < end; from += buf.length) {
            int len = Math.min(buf.length, end - from);
            in.get(from, buf, 0, len);
            for (int i = 0; i < len; i++) {
                buf[i] = buf[i] * k + b;
            }
            out.put(from, buf, 0, len);
        }
    }
}
