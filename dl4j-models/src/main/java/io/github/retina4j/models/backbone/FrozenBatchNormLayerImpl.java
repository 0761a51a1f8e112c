package io.github.retina4j.models.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime of {@link FrozenBatchNormLayer}: forward one {@link ChannelAffine} pass (× scale + shift per channel) and the
 * activation in place; backward the activation's derivative (none for identity, the output's mask for ReLU) and one
 * × scale pass. NCHW or NHWC. The parameters are constants: their gradients are zero.
 */
public class FrozenBatchNormLayerImpl extends BaseLayer<FrozenBatchNormLayer> {
    private static final ActivationReLU PLAIN_RELU = new ActivationReLU();
    /**
     * The output of the last forward pass (plain ReLU only) and the input it came from. Kept whatever the training
     * flag says: DL4J's {@code FrozenLayerWithBackprop}, which wraps this layer, runs its forward pass with
     * training = false even inside {@code fit} (DESIGN §10.16), so the flag cannot tell a training pass apart.
     */
    private INDArray lastOutput;
    private INDArray lastInput;
    /** Backward passes that had to recompute the forward pass (no kept output for this input). */
    private int recomputes;

    public FrozenBatchNormLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    /** x · scale + shift, then ReLU if {@code relu}, into a new array of {@code type}. */
    private INDArray affine(LayerWorkspaceMgr mgr, ArrayType type, boolean relu) {
        boolean last = channelsLast();
        if (input.rank() != 4 || input.size(last ? 3 : 1) != layerConf().getChannels()) {
            throw new IllegalArgumentException("FrozenBatchNormLayer " + layerConf().getLayerName() + ": expected input "
                    + (last ? "[N, H, W, " + layerConf().getChannels() + "]" : "[N, " + layerConf().getChannels() + ", H, W]")
                    + ", got " + java.util.Arrays.toString(input.shape()));
        }
        INDArray x = ChannelAffine.dense(input.castTo(dataType));
        INDArray out = mgr.createUninitialized(type, dataType, x.shape(), 'c');
        ChannelAffine.forward(x, vector(FrozenBatchNormParams.SCALE), vector(FrozenBatchNormParams.SHIFT), relu, last, out);
        return out;
    }

    private boolean channelsLast() {
        return layerConf().getDataFormat() == CNN2DFormat.NHWC;
    }

    private double[] vector(String key) {
        return getParam(key).toDoubleVector();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        INDArray out = affine(mgr, ArrayType.ACTIVATIONS, plainRelu());
        if (!plainRelu()) {
            out = layerConf().getActivationFn().getActivation(out, training);
        }
        // in a fit the output stays valid until the backward pass (DL4J keeps every activation of a fit)
        lastOutput = plainRelu() ? out : null;
        lastInput = plainRelu() ? input : null;
        return out;
    }

    private boolean plainRelu() {
        return PLAIN_RELU.equals(layerConf().getActivationFn());
    }

    int recomputes() {
        return recomputes;
    }

    @Override
    public void clear() {
        super.clear();
        lastOutput = null;
        lastInput = null;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        // dL/dz through the activation: identity passes the error on, ReLU masks it with the training output
        // (relu'(z) = relu(z) > 0, in the same pass as the scale), anything else recomputes z (one pass) for its
        // derivative
        double[] scale = vector(FrozenBatchNormParams.SCALE);
        INDArray epsOut = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, epsilon.shape(), 'c');
        if (lastOutput != null && lastInput == input) {
            ChannelAffine.backward(lastOutput, ChannelAffine.dense(epsilon.castTo(dataType)), scale, channelsLast(), epsOut);
            lastOutput = null;
            lastInput = null;
        } else {
            INDArray delta = epsilon;
            if (!(layerConf().getActivationFn() instanceof ActivationIdentity)) {
                recomputes++;
                INDArray z = affine(mgr, ArrayType.BP_WORKING_MEM, false);
                delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
            }
            ChannelAffine.forward(ChannelAffine.dense(delta.castTo(dataType)), scale, null, false, channelsLast(), epsOut);
        }
        Gradient g = new DefaultGradient();
        if (gradientViews != null) {
            for (String key : new String[] {FrozenBatchNormParams.SCALE, FrozenBatchNormParams.SHIFT}) {
                INDArray view = gradientViews.get(key);
                view.assign(0);
                g.gradientForVariable().put(key, view);
            }
        }
        return new Pair<>(g, epsOut);
    }
}
