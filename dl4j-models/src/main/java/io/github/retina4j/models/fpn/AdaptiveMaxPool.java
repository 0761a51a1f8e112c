package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adaptive max pooling to a given size, exactly torch's {@code F.adaptive_max_pool2d(x, (h, w))}: per axis, output
 * i pools the window {@code [floor(i·in/out), ceil((i+1)·in/out))} (windows may overlap, and may be single
 * positions when out > in); the gradient goes to the first maximum of the window in row-major order.
 *
 * <p>Max pooling over a rectangle is separable: the row-wise window maxima along W (with the first arg-max column),
 * then their maxima along H (first arg-max row) pick exactly torch's element. Each 1-D step is K native gathers of
 * the window's k-th position (k &lt; K, the longest window; shorter windows repeat their last position, which never
 * wins a strict comparison) and element-wise maxima. The backward pass recomputes the arg-max offsets (nothing is
 * kept between passes, so DL4J workspaces cannot invalidate it) and sends each output's gradient to its window's
 * k-th position through the transposed gathers ({@link AxisSelection#transposeGather}).
 *
 * <p>Where in = f·out on both axes (the windows are the disjoint f×f blocks, e.g. P3 → P4 with inputs padded to
 * 32) the native {@code maxpool2d} op and its gradient give the identical result faster.
 */
public final class AdaptiveMaxPool implements SpatialResize {
    /** The only instance: the pooling has no settings. */
    public static final AdaptiveMaxPool INSTANCE = new AdaptiveMaxPool();
    /** Bound on cached window maps. */
    private static final int MAX_CACHED = 1024;
    private static final Map<Long, AxisSelection[]> CACHE = new ConcurrentHashMap<>();

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

    /** The k-th position of every window, k = 0..K−1 (clamped to the window's last position). */
    static AxisSelection[] windowOffsets(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("AdaptiveMaxPool: sizes must be positive, in=" + in + ", out=" + out);
        }
        if (CACHE.size() > MAX_CACHED) {
            CACHE.clear();
        }
        return CACHE.computeIfAbsent(((long) in << 32) | out, key -> {
            int k = 0;
            for (int i = 0; i < out; i++) {
                k = Math.max(k, windowEnd(i, in, out) - windowStart(i, in, out));
            }
            AxisSelection[] offsets = new AxisSelection[k];
            for (int o = 0; o < k; o++) {
                int[] src = new int[out];
                for (int i = 0; i < out; i++) {
                    src[i] = Math.min(windowStart(i, in, out) + o, windowEnd(i, in, out) - 1);
                }
                offsets[o] = new AxisSelection(src, in);
            }
            return offsets;
        });
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
            INDArray rowMax = windowMax(x, 3, windowOffsets(inW, w), false)[0];
            out.assign(windowMax(rowMax, 2, windowOffsets(inH, h), false)[0]);
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
            AxisSelection[] cols = windowOffsets(inW, w), rows = windowOffsets(inH, h);
            INDArray[] alongW = windowMax(x, 3, cols, true);
            INDArray[] alongH = windowMax(alongW[0], 2, rows, true);
            INDArray gradRowMax = routeToOffsets(gradOut, alongH[1], rows, 2);
            gradIn.assign(routeToOffsets(gradRowMax, alongW[1], cols, 3));
        }
    }

    private static boolean disjointBlocks(int inH, int inW, int h, int w) {
        return disjointBlockPath && inH % h == 0 && inW % w == 0;
    }

    /** libnd4j pooling iArgs: kernel = stride = block, no padding, no dilation, truncate mode, NCHW. */
    private static int[] poolArgs(int fh, int fw) {
        return new int[]{fh, fw, fh, fw, 0, 0, 1, 1, 0, 0, 0};
    }

    /**
     * Window maxima along {@code axis}: {@code [max]}, or {@code [max, offset]} when {@code withOffsets},
     * where offset (in x's data type) is the first k whose gathered value is the maximum (strict comparison).
     */
    private static INDArray[] windowMax(INDArray x, int axis, AxisSelection[] offsets, boolean withOffsets) {
        INDArray best = offsets[0].gather(x, axis, null);
        DataType type = x.dataType();
        INDArray arg = !withOffsets ? null : Nd4j.zeros(type, best.shape());
        for (int k = 1; k < offsets.length; k++) {
            INDArray v = offsets[k].gather(x, axis, null);
            if (arg != null) {
                INDArray better = v.gt(best).castTo(type);
                arg.muli(better.rsub(1.0)).addi(better.muli(k)); // arg = better ? k : arg
            }
            best = Transforms.max(best, v, false);
        }
        return arg == null ? new INDArray[]{best} : new INDArray[]{best, arg};
    }

    /** Gradient w.r.t. the input of {@link #windowMax}: each output's gradient goes to its window's winning offset. */
    private static INDArray routeToOffsets(INDArray grad, INDArray offset, AxisSelection[] offsets, int axis) {
        INDArray sum = null;
        for (int k = 0; k < offsets.length; k++) {
            INDArray part = offsets[k].transposeGather(grad.mul(offset.eq(k).castTo(grad.dataType())), axis);
            sum = sum == null ? part : sum.addi(part);
        }
        return sum;
    }
}
