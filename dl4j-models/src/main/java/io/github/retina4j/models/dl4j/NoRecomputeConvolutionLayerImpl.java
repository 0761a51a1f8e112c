package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runtime of {@link NoRecomputeConvolutionLayer}: DL4J's convolution layer with a backward pass that hands the error
 * straight to the oneDNN helper's {@code conv2d_bp} (identity), or masks it with the layer's own training output
 * (ReLU), instead of recomputing the forward convolution. Without the oneDNN helper (double precision, or when it
 * is disabled) it is DL4J's layer unchanged.
 *
 * <p>Its float32 inference and training forward pass of a pointwise convolution (1×1 kernel, stride 1, no padding,
 * NCHW) is a matrix product per image, W[out, in] × X[in, H·W], plus the bias: libnd4j's {@code conv2d} on NCHW
 * activations reorders input and output to and from oneDNN's blocked layout around the convolution, which on a
 * ResNet-50 bottleneck at batch 1 costs as much as the product itself (DESIGN §10.1; measured by the benchmarks'
 * {@code ConvBenchmark}). Same arithmetic, so the output matches the convolution to float round-off. Its backward
 * pass is matrix products too ({@link #pointwiseBackward}).
 */
public class NoRecomputeConvolutionLayerImpl extends ConvolutionLayer {
    /** The output of the last training forward pass (ReLU only): relu'(z) = output &gt; 0. */
    private INDArray trainingOutput;

    public NoRecomputeConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        // the output stays valid until the backward pass: DL4J keeps every activation of a fit in its activation
        // workspace (or, without workspaces, referenced by the next layer)
        trainingOutput = training && relu() ? out : null;
        return out;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        // forBackprop: DL4J's own backward (no helper, or double) also wants its im2col array from this call
        if (!forBackprop && channelsLast()) {
            assertInputSet(false);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            INDArray bias = layerConf().hasBias()
                    ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr) : null;
            return new Pair<>(channelsLastForward(input.castTo(dataType), weights, bias, workspaceMgr), null);
        }
        if (forBackprop || !pointwise()) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        validateInputDepth(weights.size(1));
        INDArray bias = layerConf().hasBias()
                ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr) : null;
        return new Pair<>(pointwiseForward(input.castTo(dataType), weights, bias, workspaceMgr), null);
    }

    /** 1×1 kernel, stride 1, no padding (Same mode pads a 1×1 kernel by 0), float32, NCHW. */
    boolean pointwise() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        return dataType == DataType.FLOAT && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && c.getKernelSize()[0] == 1 && c.getKernelSize()[1] == 1
                && c.getStride()[0] == 1 && c.getStride()[1] == 1
                && (convolutionMode == ConvolutionMode.Same || (c.getPadding()[0] == 0 && c.getPadding()[1] == 0));
    }

    /**
     * Float32 NHWC with explicit padding (the inference graph of {@code ChannelsLastInference}, DESIGN §10.14): libnd4j's
     * {@code conv2d} takes NHWC activations and DL4J's {@code [out, in, kH, kW]} weights directly, which oneDNN runs
     * without the reorders of the NCHW path. DL4J's own layer accepts NHWC too, but permutes to NCHW around the same op.
     */
    boolean channelsLast() {
        return dataType == DataType.FLOAT && layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC
                && convolutionMode == ConvolutionMode.Truncate;
    }

    /** libnd4j {@code conv2d} integer codes: explicit padding, NHWC activations, OIYX ({@code [out, in, kH, kW]}) weights. */
    private static final int PADDING_EXPLICIT = 0;
    private static final int DATA_FORMAT_NHWC = 1;
    private static final int WEIGHTS_OIYX = 1;

    private INDArray channelsLastForward(INDArray x, INDArray weights, INDArray bias, LayerWorkspaceMgr workspaceMgr) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        if (x.rank() != 4 || x.size(3) != weights.size(1)) {
            throw new IllegalArgumentException("convolution " + c.getLayerName() + ": expected NHWC input [N, H, W, "
                    + weights.size(1) + "], got " + java.util.Arrays.toString(x.shape()));
        }
        int[] k = c.getKernelSize();
        int[] st = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        long oh = (x.size(1) + 2L * p[0] - ((long) d[0] * (k[0] - 1) + 1)) / st[0] + 1;
        long ow = (x.size(2) + 2L * p[1] - ((long) d[1] * (k[1] - 1) + 1)) / st[1] + 1;
        INDArray xc = dense(x);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
                new long[]{x.size(0), oh, ow, weights.size(0)}, 'c');
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d").addOutputs(z)
                .addIntegerArguments(k[0], k[1], st[0], st[1], p[0], p[1], d[0], d[1], PADDING_EXPLICIT, DATA_FORMAT_NHWC,
                        WEIGHTS_OIYX);
        if (bias != null) {
            op.addInputs(xc, weights, bias.reshape(bias.length()));
        } else {
            op.addInputs(xc, weights);
        }
        Nd4j.exec(op.build());
        return z;
    }

    /** {@code z[n] = W[out, in] × x[n][in, H·W] + b} into an activation array of the workspace manager. */
    static INDArray pointwiseForward(INDArray x, INDArray weights, INDArray bias, LayerWorkspaceMgr workspaceMgr) {
        long n = x.size(0);
        long in = x.size(1);
        long hw = x.size(2) * x.size(3);
        long out = weights.size(0);
        INDArray xc = dense(x);
        INDArray w2 = weights.reshape('c', out, in);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
                new long[]{n, out, x.size(2), x.size(3)}, 'c');
        INDArray x3 = xc.reshape('c', n, in, hw);
        INDArray z3 = z.reshape('c', n, out, hw);
        for (long i = 0; i < n; i++) {
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(w2, x3.slice(i)).addOutputs(z3.slice(i)).build());
        }
        if (bias != null) {
            Nd4j.exec(new BiasAdd(z, bias.reshape(out), z, true));
        }
        return z;
    }

    private boolean relu() {
        return layerConf().getActivationFn() instanceof ActivationReLU;
    }

    /** The backward pass; without the input's error (null) where the layer has none to compute. */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray> result = backward(epsilon, workspaceMgr);
        if (!inputError()) {
            result.setSecond(null);
        }
        return result;
    }

    private Pair<Gradient, INDArray> backward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        boolean nhwc = layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
        boolean helperUsable = helper != null && (helperCountFail == 0 || !layerConf().isCudnnAllowFallback())
                && dataType == DataType.FLOAT;
        boolean ours = nhwc ? channelsLast() : helperUsable || pointwise();
        if (!ours || (relu() && trainingOutput == null)) {
            return super.backpropGradient(epsilon, workspaceMgr);   // DL4J's own (NHWC: permuted to NCHW around it)
        }
        assertInputSet(true);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
        INDArray in = input.castTo(dataType);
        INDArray delta = epsilon.castTo(dataType);
        if (relu()) {
            INDArray masked = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, delta.shape(), 'c');
            Relu.backward(trainingOutput, delta, masked);
            delta = masked;
            trainingOutput = null;
        }
        if (nhwc) {
            return channelsLastBackward(in, weights, delta, workspaceMgr);
        }
        if (pointwise()) {
            return pointwiseBackward(in, weights, delta, workspaceMgr);
        }
        int[] kernel = layerConf().getKernelSize();
        int[] strides = layerConf().getStride();
        int[] dilation = layerConf().getDilation();
        int[] pad;
        if (convolutionMode == ConvolutionMode.Same) {
            int[] outSize = ConvolutionUtils.getOutputSize(in, kernel, strides, null, convolutionMode, dilation,
                    layerConf().getCnn2dDataFormat());
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) in.size(2), (int) in.size(3)},
                    kernel, strides, dilation);
        } else {
            pad = layerConf().getPadding();
        }
        // no bias: oneDNN takes none (null views), as in DL4J's own helper path
        INDArray biasGradView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
        INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        Pair<Gradient, INDArray> ret = helper.backpropGradient(in, weights, bias, delta, kernel, strides, pad,
                biasGradView, weightGradView, layerConf().getActivationFn(), layerConf().getCudnnAlgoMode(),
                layerConf().getCudnnBwdFilterAlgo(), layerConf().getCudnnBwdDataAlgo(), convolutionMode, dilation,
                layerConf().getCnn2dDataFormat(), workspaceMgr);
        if (ret == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        ret.setSecond(backpropDropOutIfPresent(ret.getSecond()));
        return ret;
    }

    /**
     * The backward pass of {@link #pointwiseForward} as matrix products per image: the input error
     * {@code W[out, in]ᵀ × δ[n][out, H·W]}, the weight gradient {@code Σn δ[n] × x[n]ᵀ} and the bias gradient
     * {@code Σ δ} over images and positions. libnd4j's {@code conv2d_bp} reorders the NCHW input, error and input
     * error around oneDNN's kernel; at batch 2 the products took 11–12 ms against 13–16 ms on the ResNet-50 stage-2
     * shapes at 64×64 and 18 ms against 33 ms at 128×128 (DESIGN §10.15).
     */
    private Pair<Gradient, INDArray> pointwiseBackward(INDArray x, INDArray weights, INDArray delta,
                                                       LayerWorkspaceMgr workspaceMgr) {
        long n = x.size(0);
        long in = x.size(1);
        long hw = x.size(2) * x.size(3);
        long out = weights.size(0);
        INDArray w2 = weights.reshape('c', out, in);
        INDArray weightGrad = weightGradientBlock();
        INDArray weightGrad2 = weightGrad.reshape('c', out, in);   // a view of the parameter gradient
        INDArray eps = inputError()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c') : null;
        INDArray dc = dense(delta);
        INDArray x3 = dense(x).reshape('c', n, in, hw);
        INDArray d3 = dc.reshape('c', n, out, hw);
        INDArray perImage = n > 1 ? workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(),
                new long[]{out, in}, 'c') : null;
        for (long i = 0; i < n; i++) {
            if (eps != null) {
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(w2, d3.slice(i))
                        .addOutputs(eps.reshape('c', n, in, hw).slice(i)).addIntegerArguments(1, 0, 0).build());
            }
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(d3.slice(i), x3.slice(i))
                    .addOutputs(i == 0 ? weightGrad2 : perImage).addIntegerArguments(0, 1, 0).build());
            if (i > 0) {
                weightGrad2.addi(perImage);
            }
        }
        INDArray biasGrad = null;
        if (layerConf().hasBias()) {
            biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            dc.sum(biasGrad.reshape(out), 0, 2, 3);
        }
        return gradientAndError(weightGrad, biasGrad, eps);
    }

    /**
     * The backward pass of {@link #channelsLastForward} (DESIGN §10.15): a 1×1 convolution's error and weight
     * gradient are two matrix products over all pixels of the batch at once ({@code [N·H·W, C]} rows; with a stride,
     * over the pixels it reads); any other shape is libnd4j's {@code conv2d_bp} on NHWC activations and the layer's
     * {@code [out, in, kH, kW]} weights, writing straight into the parameter gradient.
     */
    private Pair<Gradient, INDArray> channelsLastBackward(INDArray x, INDArray weights, INDArray delta,
                                                          LayerWorkspaceMgr workspaceMgr) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] k = c.getKernelSize();
        int[] st = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        INDArray xc = dense(x);
        INDArray dc = dense(delta);
        INDArray weightGrad = weightGradientBlock();
        INDArray biasGrad = c.hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
        INDArray eps = inputError()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c') : null;
        long in = weights.size(1);
        long out = weights.size(0);
        if (k[0] == 1 && k[1] == 1 && p[0] == 0 && p[1] == 0) {
            boolean strided = st[0] != 1 || st[1] != 1;
            // a strided 1×1 convolution reads every st-th pixel: gathered into a dense block, and its error scattered
            // back into an input error that is zero elsewhere (libnd4j's NHWC conv2d_bp: 69–150 GFLOP/s, DESIGN §10.16)
            INDArray sampled = strided ? xc.get(NDArrayIndex.all(), NDArrayIndex.interval(0, st[0], x.size(1)),
                    NDArrayIndex.interval(0, st[1], x.size(2)), NDArrayIndex.all()) : xc;
            INDArray xs = strided ? workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(),
                    sampled.shape(), 'c').assign(sampled) : xc;
            long rows = xs.length() / in;
            INDArray d2 = dc.reshape('c', rows, out);
            if (eps != null) {
                INDArray es = strided ? workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(),
                        xs.shape(), 'c') : eps;
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(d2, weights.reshape('c', out, in))
                        .addOutputs(es.reshape('c', rows, in)).build());
                if (strided) {
                    eps.assign(0);
                    eps.get(NDArrayIndex.all(), NDArrayIndex.interval(0, st[0], x.size(1)),
                            NDArrayIndex.interval(0, st[1], x.size(2)), NDArrayIndex.all()).assign(es);
                }
            }
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(d2, xs.reshape('c', rows, in))
                    .addOutputs(weightGrad.reshape('c', out, in)).addIntegerArguments(1, 0, 0).build());
            if (biasGrad != null) {
                d2.sum(biasGrad.reshape(out), 0);
            }
        } else {
            // conv2d_bp computes the input error in any case; without one it goes to scratch memory
            INDArray errorOut = eps != null ? eps
                    : workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(), x.shape(), 'c');
            DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp")
                    .addIntegerArguments(k[0], k[1], st[0], st[1], p[0], p[1], d[0], d[1], PADDING_EXPLICIT,
                            DATA_FORMAT_NHWC, WEIGHTS_OIYX);
            if (biasGrad != null) {
                op.addInputs(xc, weights, getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr)
                        .reshape(out), dc).addOutputs(errorOut, weightGrad, biasGrad.reshape(out));
            } else {
                op.addInputs(xc, weights, dc).addOutputs(errorOut, weightGrad);
            }
            Nd4j.exec(op.build());
        }
        return gradientAndError(weightGrad, biasGrad, eps);
    }

    /** The weight gradient view, which the products and ops write in place: checked to be one c-order block. */
    private INDArray weightGradientBlock() {
        INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        if (!java.util.Arrays.equals(weightGrad.stride(), Nd4j.getStrides(weightGrad.shape(), 'c'))) {
            throw new IllegalStateException("convolution " + layerConf().getLayerName()
                    + ": weight gradient view is not a c-order block, " + weightGrad.shapeInfoToString());
        }
        return weightGrad;
    }

    private static INDArray dense(INDArray a) {
        return Shape.hasDefaultStridesForShape(a) && a.ordering() == 'c' ? a : a.dup('c');
    }

    /** See {@link NoRecomputeConvolutionLayer#isInputError}. */
    private boolean inputError() {
        return !(layerConf() instanceof NoRecomputeConvolutionLayer c) || c.isInputError();
    }

    /** DL4J's result of a convolution's backward pass: bias then weight gradient, and the input error. */
    private Pair<Gradient, INDArray> gradientAndError(INDArray weightGrad, INDArray biasGrad, INDArray eps) {
        Gradient gradient = new DefaultGradient();
        if (biasGrad != null) {
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
        weightNoiseParams.clear();
        return new Pair<>(gradient, eps == null ? null : backpropDropOutIfPresent(eps));
    }

    @Override
    public void clear() {
        super.clear();
        trainingOutput = null;
    }
}
