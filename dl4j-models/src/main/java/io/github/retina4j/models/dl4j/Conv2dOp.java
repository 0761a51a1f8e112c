package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * libnd4j's {@code conv2d} / {@code conv2d_bp} custom ops called directly on caller-owned arrays: NCHW (or NHWC) activations,
 * weights in the {@code YXIO} layout {@code [kH, kW, in, out]}, stride 1 and a fixed symmetric zero padding.
 *
 * <p>Why not a DL4J layer or SameDiff: DL4J layers cannot share weights across inputs (issue #7408), and both DL4J's
 * {@code ConvolutionLayer} and {@code SameDiffGraphVertex} recompute the forward convolution inside their backward
 * pass. These two ops are what both of them call in the end; on float32 the natives run them on oneDNN
 * (DESIGN §10.1: raw op at torch's speed), on double they use libnd4j's generic kernels (gradient checks).
 */
public final class Conv2dOp {
    /** {@code conv2d}'s integer argument codes (libnd4j convolution declarations). */
    private static final int PADDING_EXPLICIT = 0;
    private static final int DATA_FORMAT_NCHW = 0;
    private static final int DATA_FORMAT_NHWC = 1;
    private static final int WEIGHTS_YXIO = 0;

    private final int[] integerArgs;

    /**
     * @param kernel  square kernel size
     * @param padding zero padding on every side
     */
    public Conv2dOp(int kernel, int padding) {
        this(kernel, padding, false);
    }

    /**
     * @param channelsLast activations {@code [N, H, W, C]} (NHWC): oneDNN's own layout on this CPU, without the reorders
     *                     around an NCHW convolution (DESIGN §10.14); forward only is used so
     */
    public Conv2dOp(int kernel, int padding, boolean channelsLast) {
        if (kernel < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2dOp: kernel must be ≥ 1 and padding ≥ 0, got " + kernel + ", " + padding);
        }
        this.integerArgs = new int[]{kernel, kernel, 1, 1, padding, padding, 1, 1, PADDING_EXPLICIT,
                channelsLast ? DATA_FORMAT_NHWC : DATA_FORMAT_NCHW, WEIGHTS_YXIO};
    }

    /** {@code out = conv(x, w) + b}; all arrays c-order, {@code out} pre-allocated {@code [N, out, H', W']}. */
    public void forward(INDArray x, INDArray w, INDArray b, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, b).addOutputs(out)
                .addIntegerArguments(integerArgs).build());
    }

    /**
     * Writes (does not accumulate) the gradients of a loss with respect to the input, the weights and the bias of
     * {@link #forward}, given {@code gradOut} = dL/d out.
     */
    public void backward(INDArray x, INDArray w, INDArray b, INDArray gradOut, INDArray gradX, INDArray gradW,
                         INDArray gradB) {
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, b, gradOut).addOutputs(gradX, gradW, gradB)
                .addIntegerArguments(integerArgs).build());
    }
}
