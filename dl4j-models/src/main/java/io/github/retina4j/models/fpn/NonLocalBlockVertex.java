package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.DualBackendVertex;
import io.github.retina4j.models.dl4j.VertexBackend;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Objects;

/**
 * Embedded-Gaussian non-local block (Wang et al. 2018, "Non-local Neural Networks", §3.2–3.3), as used by the
 * balanced feature pyramid's refinement (Libra R-CNN §3.2; mmdetection {@code NonLocal2d(reduction=1,
 * use_scale=False)}):
 * <pre>
 *   θ = W_θ x, φ = W_φ x, g = W_g x            (1×1 convs C → C_i, flattened to [N, C_i, HW])
 *   f = softmax_j(θ_iᵀ φ_j [/ sqrt(C_i)])      ([N, HW, HW], the scale only if useScale)
 *   y_i = Σ_j f_ij g_j
 *   z = x + W_z y                             (1×1 conv C_i → C, initialised to zero, so the block starts as identity)
 * </pre>
 * Parameters (no underscores, DL4J splits keys at '_'): {@code gW/gb}, {@code thetaW/thetab}, {@code phiW/phib},
 * {@code convOutW/convOutb} (mmdetection {@code g.conv}, {@code theta.conv}, {@code phi.conv}, {@code conv_out.conv})
 * (weights YXIO {@code [1, 1, in, out]}). θ, φ, g ~ N(0, 0.01) as mmdetection.
 *
 * <p>Runs in one of two {@link VertexBackend}s: {@link VertexBackend#NATIVE_OPS} (default), the hand-written
 * {@link NonLocalBlockGraphVertex}; or {@link VertexBackend#SAMEDIFF}, DL4J's execution of {@link #defineVertex}
 * (gradients corrected by {@link io.github.retina4j.models.dl4j.GradientCorrectedSameDiffVertex}), the reference
 * the tests compare with.
 */
public class NonLocalBlockVertex extends DualBackendVertex {
    /** mmdetection NonLocal2d init std for θ, φ, g. */
    public static final double INIT_STD = 0.01;

    private int channels;
    private int interChannels;
    private boolean useScale;

    public NonLocalBlockVertex() {
    }

    public NonLocalBlockVertex(int channels, int interChannels, boolean useScale) {
        if (channels < 1 || interChannels < 1) {
            throw new IllegalArgumentException("NonLocalBlockVertex: channels=" + channels + ", interChannels="
                    + interChannels + " must be positive");
        }
        this.channels = channels;
        this.interChannels = interChannels;
        this.useScale = useScale;
    }

    /** @return a copy running on {@code backend} */
    public NonLocalBlockVertex withBackend(VertexBackend backend) {
        NonLocalBlockVertex v = clone();
        v.setBackend(backend);
        return v;
    }

    @Override
    protected GraphVertex instantiateNative(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                            boolean initializeParams, DataType networkDatatype) {
        return new NonLocalBlockGraphVertex(this, graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams p) {
        p.defineInputs("x");
        for (String s : new String[]{"g", "theta", "phi"}) {
            p.addWeightParam(s + "W", 1, 1, channels, interChannels);
            p.addBiasParam(s + "b", interChannels);
        }
        p.addWeightParam("convOutW", 1, 1, interChannels, channels);
        p.addBiasParam("convOutb", channels);
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p,
                                   Map<String, SDVariable> masks) {
        SDVariable x = in.get("x");
        Conv2DConfig one = Conv2DConfig.builder().kH(1).kW(1).sH(1).sW(1).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
        SDVariable n = sd.sizeAt(x, 0);
        SDVariable h = sd.sizeAt(x, 2);
        SDVariable w = sd.sizeAt(x, 3);
        SDVariable ci = sd.constant(Nd4j.scalar(DataType.LONG, interChannels));
        SDVariable minusOne = sd.constant(Nd4j.scalar(DataType.LONG, -1));
        SDVariable flat = sd.stack(0, n, ci, minusOne);
        SDVariable g = sd.reshape(sd.cnn().conv2d(x, p.get("gW"), p.get("gb"), one), flat);
        SDVariable theta = sd.reshape(sd.cnn().conv2d(x, p.get("thetaW"), p.get("thetab"), one), flat);
        SDVariable phi = sd.reshape(sd.cnn().conv2d(x, p.get("phiW"), p.get("phib"), one), flat);
        SDVariable pairwise = sd.mmul(theta, phi, true, false, false);          // [N, HW, HW] = θᵀφ
        if (useScale) {
            pairwise = pairwise.div(Math.sqrt(interChannels));
        }
        pairwise = sd.nn().softmax(pairwise, 2);
        SDVariable y = sd.mmul(g, pairwise, false, true, false);                 // [N, C_i, HW] = g fᵀ
        y = sd.reshape(y, sd.stack(0, n, ci, h, w));
        SDVariable out = sd.cnn().conv2d(y, p.get("convOutW"), p.get("convOutb"), one);
        return x.add(out);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray a = e.getValue();
            if (e.getKey().endsWith("W") && !e.getKey().startsWith("convOut")) {
                a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(INIT_STD));
            } else {
                a.assign(0.0); // biases, and conv_out (zero init: the block starts as the identity)
            }
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) {
        return inputs[0];
    }

    @Override
    public NonLocalBlockVertex clone() {
        return copySettingsTo(new NonLocalBlockVertex(channels, interChannels, useScale));
    }

    public int getChannels() { return channels; }
    public void setChannels(int channels) { this.channels = channels; }
    public int getInterChannels() { return interChannels; }
    public void setInterChannels(int interChannels) { this.interChannels = interChannels; }
    public boolean isUseScale() { return useScale; }
    public void setUseScale(boolean useScale) { this.useScale = useScale; }

    @Override
    public boolean equals(Object o) {
        return o instanceof NonLocalBlockVertex v && v.channels == channels && v.interChannels == interChannels
                && v.useScale == useScale && v.getBackend() == getBackend();
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, interChannels, useScale, getBackend());
    }
}
