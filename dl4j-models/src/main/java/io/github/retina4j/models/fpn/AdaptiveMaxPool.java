package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adaptive max pooling to a given size, exactly torch's {@code F.adaptive_max_pool2d(x, (h, w))}: per axis, output
 * i pools the window {@code [floor(i·in/out), ceil((i+1)·in/out))} (windows may overlap, and may be single
 * positions when out > in); the gradient goes to the first maximum of the window in row-major order.
 *
 * <p>Forward and backward are torch's loops, plane by plane ({@link ResizePlanes}): the window's maximum starts at
 * −∞ at its first position and moves to a later element that is greater or NaN (so a NaN wins, as in torch), and the
 * backward pass recomputes that arg-max (nothing is kept between passes, so DL4J workspaces cannot invalidate it) and
 * adds each output's gradient there, in output order.
 *
 * <p>Where in = f·out on both axes (the windows are the disjoint f×f blocks, e.g. P3 → P4 with inputs padded to
 * 32) the native {@code maxpool2d} op and its gradient give the identical result faster (ties included: checked
 * against torch on integer-valued inputs); there NaN handling is libnd4j's.
 */
public final class AdaptiveMaxPool implements SpatialResize {
    /** The only instance: the pooling has no settings. */
    public static final AdaptiveMaxPool INSTANCE = new AdaptiveMaxPool();
    /** Bound on cached window maps. */
    private static final int MAX_CACHED = 1024;
    private static final Map<Long, int[][]> CACHE = new ConcurrentHashMap<>();

    /** Tests switch the disjoint-block {@code maxpool2d} path off to check the general path on the same sizes. */
    static volatile boolean disjointBlockPath = true;

    private AdaptiveMaxPool() {
    }

    /** First input position of output {@code i}'s window: floor(i·in/out). */
    public static int windowStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    /** One past the last input position of output {@code i}'s window: ceil((i+1)·in/out). */
    public static int windowEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }

    /** Window bounds along an axis: {@code [starts, ends]}, cached per size pair. */
    static int[][] windows(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("AdaptiveMaxPool: sizes must be positive, in=" + in + ", out=" + out);
        }
        if (CACHE.size() > MAX_CACHED) {
            CACHE.clear();
        }
        return CACHE.computeIfAbsent(((long) in << 32) | out, key -> {
            int[][] b = new int[2][out];
            for (int i = 0; i < out; i++) {
                b[0][i] = windowStart(i, in, out);
                b[1][i] = windowEnd(i, in, out);
            }
            return b;
        });
    }

    /** torch's arg-max of window (rows r0..r1, columns c0..c1) in a row-major plane of width {@code width}. */
    private static int argMax(double[] plane, int width, int r0, int r1, int c0, int c1) {
        int best = r0 * width + c0;
        double max = Double.NEGATIVE_INFINITY;
        for (int r = r0; r < r1; r++) {
            for (int c = c0, at = r * width + c0; c < c1; c++, at++) {
                double v = plane[at];
                if (v > max || Double.isNaN(v)) {
                    max = v;
                    best = at;
                }
            }
        }
        return best;
    }

    @Override
    public void forward(INDArray x, INDArray out) {
        NearestResize.checkShapes(x, out);
        int inH = (int) x.size(2), inW = (int) x.size(3), h = (int) out.size(2), w = (int) out.size(3);
        if (inH == h && inW == w) {
            out.assign(x);
        } else if (disjointBlocks(inH, inW, h, w)) {
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(x).addIntegerArguments(poolArgs(inH / h, inW / w))
                    .addOutputs(out).build());
        } else {
            int[][] rows = windows(inH, h), cols = windows(inW, w);
            ResizePlanes.run((in, o) -> {
                for (int i = 0, k = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        o[k++] = in[0][argMax(in[0], inW, rows[0][i], rows[1][i], cols[0][j], cols[1][j])];
                    }
                }
            }, out, x);
        }
    }

    @Override
    public void backward(INDArray x, INDArray gradOut, INDArray gradIn) {
        NearestResize.checkShapes(x, gradOut);
        int inH = (int) x.size(2), inW = (int) x.size(3), h = (int) gradOut.size(2), w = (int) gradOut.size(3);
        if (inH == h && inW == w) {
            gradIn.assign(gradOut);
        } else if (disjointBlocks(inH, inW, h, w)) {
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(x, gradOut)
                    .addIntegerArguments(poolArgs(inH / h, inW / w)).addOutputs(gradIn).build());
        } else {
            int[][] rows = windows(inH, h), cols = windows(inW, w);
            ResizePlanes.run((in, o) -> {
                java.util.Arrays.fill(o, 0, inH * inW, 0.0);
                for (int i = 0, k = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        o[argMax(in[0], inW, rows[0][i], rows[1][i], cols[0][j], cols[1][j])] += in[1][k++];
                    }
                }
            }, gradIn, x, gradOut);
        }
    }

    private static boolean disjointBlocks(int inH, int inW, int h, int w) {
        return disjointBlockPath && inH % h == 0 && inW % w == 0;
    }

    /** libnd4j pooling iArgs: kernel = stride = block, no padding, no dilation, truncate mode, NCHW. */
    private static int[] poolArgs(int fh, int fw) {
        return new int[]{fh, fw, fh, fw, 0, 0, 1, 1, 0, 0, 0};
    }
}
