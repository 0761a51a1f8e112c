package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Nearest-neighbour resize to a given size, exactly torch's {@code F.interpolate(x, size=(h, w), mode='nearest')}
 * (CPU, torch 1.13 {@code nearest_idx}): per axis, output index i reads input index
 * <pre>  src(i) = i                                  if out == in
 *          i >> 1                             if out == 2·in
 *          min(floor(i · scale), in − 1)      otherwise, scale = (float) in / out, float32 arithmetic</pre>
 * (the float32 product matters: it can round across an integer where exact arithmetic would not).
 *
 * <p>Forward and backward are torch's loops, plane by plane ({@link ResizePlanes}): the backward pass adds each
 * output's gradient to its source in output order, as torch's does. Where every source index is {@code i / f} for integer
 * factors (e.g. the 2× steps between P3, P4 and P5 when inputs are padded to 32), the native {@code upsampling2d}
 * op and its gradient give the identical result faster.
 */
public final class NearestResize implements SpatialResize {
    /** The only instance: the resize has no settings. */
    public static final NearestResize INSTANCE = new NearestResize();
    /** Bound on cached index maps (multi-scale training sees a few hundred sizes at most). */
    private static final int MAX_CACHED = 1024;
    private static final Map<Long, int[]> CACHE = new ConcurrentHashMap<>();

    /** Tests switch the integer-factor {@code upsampling2d} path off to check the general path on the same sizes. */
    static volatile boolean integerFactorPath = true;

    private NearestResize() {
    }

    /** torch's source index for each of {@code out} output positions along an axis of length {@code in}. */
    public static int[] sourceIndices(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("NearestResize: sizes must be positive, in=" + in + ", out=" + out);
        }
        int[] src = new int[out];
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            if (out == in) {
                src[i] = i;
            } else if (out == 2 * in) {
                src[i] = i >> 1;
            } else {
                src[i] = Math.min((int) Math.floor((float) i * scale), in - 1);
            }
        }
        return src;
    }

    /** torch's source indices, cached per size pair (they are asked for on every pass). */
    static int[] axis(int in, int out) {
        if (CACHE.size() > MAX_CACHED) {
            CACHE.clear();
        }
        return CACHE.computeIfAbsent(((long) in << 32) | out, k -> sourceIndices(in, out));
    }

    /** f if {@code source} is exactly {@code i / f} (nearest upsampling by an integer factor f ≥ 1), else 0. */
    private static int upsamplingFactor(int[] source, int in) {
        int f = source.length % in == 0 ? source.length / in : 0;
        for (int i = 0; f > 0 && i < source.length; i++) {
            if (source[i] != i / f) {
                f = 0;
            }
        }
        return f;
    }

    @Override
    public void forward(INDArray x, INDArray out) {
        checkShapes(x, out);
        int inW = (int) x.size(3), w = (int) out.size(3);
        int[] rows = axis((int) x.size(2), (int) out.size(2));
        int[] cols = axis(inW, w);
        int fh = upsamplingFactor(rows, (int) x.size(2)), fw = upsamplingFactor(cols, inW);
        if (fh == 1 && fw == 1) {
            out.assign(x);
        } else if (integerFactorPath && fh > 0 && fw > 0) {
            Nd4j.exec(DynamicCustomOp.builder("upsampling2d").addInputs(x)
                    .addIntegerArguments(fh, fw, 1 /* NCHW */).addOutputs(out).build());
        } else {
            ResizePlanes.run((in, o) -> {
                for (int i = 0, k = 0; i < rows.length; i++) {
                    int r = rows[i] * inW;
                    for (int j = 0; j < w; j++) {
                        o[k++] = in[0][r + cols[j]];
                    }
                }
            }, out, x);
        }
    }

    @Override
    public void backward(INDArray x, INDArray gradOut, INDArray gradIn) {
        checkShapes(x, gradOut);
        int inH = (int) x.size(2), inW = (int) x.size(3), w = (int) gradOut.size(3);
        int[] rows = axis(inH, (int) gradOut.size(2));
        int[] cols = axis(inW, w);
        int fh = upsamplingFactor(rows, inH), fw = upsamplingFactor(cols, inW);
        if (fh == 1 && fw == 1) {
            gradIn.assign(gradOut);
        } else if (integerFactorPath && fh > 0 && fw > 0) {
            Nd4j.exec(DynamicCustomOp.builder("upsampling2d_bp").addInputs(x, gradOut)
                    .addIntegerArguments(1 /* NCHW */).addOutputs(gradIn).build());
        } else {
            ResizePlanes.run((g, o) -> {
                java.util.Arrays.fill(o, 0, inH * inW, 0.0);
                for (int i = 0, k = 0; i < rows.length; i++) {
                    int r = rows[i] * inW;
                    for (int j = 0; j < w; j++) {
                        o[r + cols[j]] += g[0][k++];
                    }
                }
            }, gradIn, gradOut);
        }
    }

    static void checkShapes(INDArray x, INDArray out) {
        if (x.rank() != 4 || out.rank() != 4 || x.size(0) != out.size(0) || x.size(1) != out.size(1)) {
            throw new IllegalArgumentException("Spatial resize needs [N, C, H, W] arrays with equal N and C, got "
                    + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(out.shape()));
        }
    }
}
