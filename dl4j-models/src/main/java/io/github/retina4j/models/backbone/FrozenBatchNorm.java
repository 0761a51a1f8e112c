package io.github.retina4j.models.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * torchvision's {@code FrozenBatchNorm2d} as a DL4J layer: y = x · scale + shift per channel, with
 * scale = γ / sqrt(σ² + ε) and shift = β − μ · scale, none of which are trained.
 *
 * <p>Realised as a {@link FrozenBatchNormLayer} (parameters {@code W} = scale and {@code b} = shift, {@code [1, C]}
 * each) wrapped in {@link FrozenLayerWithBackprop}: errors flow through to earlier layers but nothing is
 * updated, and — unlike DL4J's {@code BatchNormalization} in a frozen wrapper — the backward pass is the
 * exact derivative of the frozen affine map (DL4J's BN backprop assumes batch statistics). Its 2·C frozen
 * values are the counterpart of torchvision's γ, β (μ and σ² are folded in, see {@link #scale} /
 * {@link #shift}; the weight importer uses them).
 */
public final class FrozenBatchNorm {
    /** torchvision {@code FrozenBatchNorm2d} default ε (torchvision ≥ 0.8; ResNet BN uses the same 1e-5). */
    public static final double EPS = 1e-5;

    private FrozenBatchNorm() {
    }

    /**
     * The frozen affine layer for {@code channels} channels, initialised to the identity statistics of a fresh
     * torchvision model (γ = 1, β = 0, μ = 0, σ² = 1), optionally followed by {@code activation}.
     */
    public static Layer layer(int channels, Activation activation) {
        return layer(channels, activation, CNN2DFormat.NCHW);
    }

    /** The same on activations in {@code format}. */
    public static Layer layer(int channels, Activation activation, CNN2DFormat format) {
        return new FrozenLayerWithBackprop(new FrozenBatchNormLayer(channels, activation.getActivationFunction(), format));
    }

    /** scale = γ / sqrt(σ² + ε). */
    public static INDArray scale(INDArray gamma, INDArray runningVar) {
        return gamma.div(Transforms.sqrt(runningVar.add(EPS), false));
    }

    /** shift = β − μ · γ / sqrt(σ² + ε). */
    public static INDArray shift(INDArray gamma, INDArray beta, INDArray runningMean, INDArray runningVar) {
        return beta.sub(runningMean.mul(scale(gamma, runningVar)));
    }
}
