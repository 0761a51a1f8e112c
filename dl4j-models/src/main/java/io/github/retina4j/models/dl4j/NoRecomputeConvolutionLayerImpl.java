package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link NoRecomputeConvolutionLayer}: DL4J's convolution layer with a backward pass that hands the error
 * straight to the oneDNN helper's {@code conv2d_bp} (identity), or masks it with the layer's own training output
 * (ReLU), instead of recomputing the forward convolution. Without the oneDNN helper (double precision, or when it
 * is disabled) it is DL4J's layer unchanged.
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

    private boolean relu() {
        return layerConf().getActivationFn() instanceof ActivationReLU;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        boolean helperUsable = helper != null && (helperCountFail == 0 || !layerConf().isCudnnAllowFallback())
                && dataType == DataType.FLOAT;
        if (!helperUsable || (relu() && trainingOutput == null)) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
        INDArray in = input.castTo(dataType);
        INDArray delta = epsilon.castTo(dataType);
        if (relu()) {
            INDArray masked = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, delta.shape(), 'c');
            Nd4j.exec(new RectifiedLinearDerivative(trainingOutput, delta, masked));
            delta = masked;
            trainingOutput = null;
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

    @Override
    public void clear() {
        super.clear();
        trainingOutput = null;
    }
}
