package io.github.retina4j.models.heads;

import io.github.retina4j.models.dl4j.DualBackendVertex;
import io.github.retina4j.models.dl4j.VertexBackend;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One RetinaNet subnet (class or box) whose single set of weights is applied to every pyramid level
 * (RetinaNet paper §4 "parameters of this subnet are shared across all pyramid levels").
 *
 * <p>Per level: {@code numConvs} × (3×3 conv {@code channels} + ReLU), then a 3×3 conv to
 * {@code numAnchors · outputsPerAnchor} channels. The prediction {@code [N, A·K, H, W]} is rearranged to
 * {@code [N, K, H·W·A]} with the anchor index fastest — exactly torchvision's
 * {@code view(N, A, K, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, K)} transposed — and the levels are
 * concatenated on axis 2 in input order (P3 first), giving {@code [N, K, A_total]} in the (level, y, x, anchor)
 * order of DESIGN §2.
 *
 * <p>Parameters (names follow torchvision's {@code RetinaNet*Head}, weights in SameDiff's YXIO layout
 * {@code [kH, kW, in, out]}; torch's OIYX is {@code permute(2, 3, 1, 0)} of it):
 * {@code conv<i>W}, {@code conv<i>b} for i = 0..numConvs−1 (torchvision {@code conv.<i>.0.weight/bias}) and
 * {@code <outputName>W}, {@code <outputName>b} for the predictor ({@code clsLogits} = torchvision {@code cls_logits},
 * {@code bboxReg} = {@code bbox_reg}). No underscores: DL4J's updater splits "vertex_param" keys at '_'.
 * Initialisation (paper §4.1): weights ~ N(0, {@code weightStd}), biases 0, predictor bias {@code outputBias}
 * (−log((1 − π)/π) for the class subnet).
 *
 * <p>A {@code SameDiffVertex} configuration because DL4J layers cannot share parameters (DL4J issue #7408) and this
 * gives parameter storage, updaters, initialisation and JSON for free. It runs in one of two {@link VertexBackend}s:
 * {@link VertexBackend#NATIVE_OPS} (default), the hand-written {@link SharedHeadGraphVertex}, which calls the oneDNN
 * {@code conv2d}/{@code conv2d_bp} ops directly and does not recompute the forward pass in the backward one; or
 * {@link VertexBackend#SAMEDIFF}, DL4J's SameDiff execution of {@link #defineVertex} (gradients corrected for DL4J's
 * 2× bug by {@link io.github.retina4j.models.dl4j.GradientCorrectedSameDiffVertex}) — the reference implementation,
 * kept for tests and benchmarks.
 */
public class SharedHeadVertex extends DualBackendVertex {
    /** Kernel of every head convolution (paper §4, "3×3 conv layers"). */
    public static final int KERNEL = 3;

    private int numInputs;
    private int inChannels;
    private int channels;
    private int numConvs;
    private int numAnchors;
    private int outputsPerAnchor;
    private String outputName;
    private double weightStd;
    private double outputBias;
    /** Inference form on {@code [N, H, W, C]} levels (DESIGN §10.14); never saved, see {@link #channelsLast()}. */
    @org.nd4j.shade.jackson.annotation.JsonIgnore
    private boolean channelsLast;

    /** For JSON deserialisation only. */
    public SharedHeadVertex() {
    }

    public SharedHeadVertex(int numInputs, int inChannels, int channels, int numConvs, int numAnchors,
                            int outputsPerAnchor, String outputName, double weightStd, double outputBias) {
        if (numInputs < 1 || inChannels < 1 || channels < 1 || numConvs < 0 || numAnchors < 1 || outputsPerAnchor < 1) {
            throw new IllegalArgumentException("SharedHeadVertex: invalid sizes numInputs=" + numInputs + ", inChannels="
                    + inChannels + ", channels=" + channels + ", numConvs=" + numConvs + ", numAnchors=" + numAnchors
                    + ", outputsPerAnchor=" + outputsPerAnchor);
        }
        this.numInputs = numInputs;
        this.inChannels = inChannels;
        this.channels = channels;
        this.numConvs = numConvs;
        this.numAnchors = numAnchors;
        this.outputsPerAnchor = outputsPerAnchor;
        this.outputName = Objects.requireNonNull(outputName, "outputName");
        this.weightStd = weightStd;
        this.outputBias = outputBias;
    }

    public static String convWeight(int i) {
        return "conv" + i + "W";
    }

    public static String convBias(int i) {
        return "conv" + i + "b";
    }

    public String predictorWeight() {
        return outputName + "W";
    }

    public String predictorBias() {
        return outputName + "b";
    }

    /**
     * A copy taking channels-last {@code [N, H, W, C]} levels, same parameters and output: the inference graph of
     * {@code ChannelsLastInference}. Forward only, on the hand-written runtime; a model file never holds it.
     */
    public SharedHeadVertex channelsLast() {
        SharedHeadVertex v = clone();
        v.channelsLast = true;
        return v;
    }

    @org.nd4j.shade.jackson.annotation.JsonIgnore
    public boolean isChannelsLast() {
        return channelsLast;
    }

    /** @return a copy running on {@code backend} */
    public SharedHeadVertex withBackend(VertexBackend backend) {
        SharedHeadVertex v = clone();
        v.setBackend(backend);
        return v;
    }

    @Override
    protected GraphVertex instantiateNative(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                            boolean initializeParams, DataType networkDatatype) {
        return new SharedHeadGraphVertex(this, graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        if (channelsLast && getBackend() != VertexBackend.NATIVE_OPS) {
            throw new IllegalStateException("SharedHeadVertex '" + outputName + "': the channels-last form runs on the "
                    + "hand-written runtime only, not on " + getBackend());
        }
        return super.instantiate(graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        String[] inputs = new String[numInputs];
        for (int i = 0; i < numInputs; i++) {
            inputs[i] = "level_" + i;
        }
        params.defineInputs(inputs);
        int in = inChannels;
        for (int i = 0; i < numConvs; i++) {
            params.addWeightParam(convWeight(i), KERNEL, KERNEL, in, channels);
            params.addBiasParam(convBias(i), channels);
            in = channels;
        }
        params.addWeightParam(predictorWeight(), KERNEL, KERNEL, in, (long) numAnchors * outputsPerAnchor);
        params.addBiasParam(predictorBias(), (long) numAnchors * outputsPerAnchor);
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> layerInput, Map<String, SDVariable> paramTable,
                                   Map<String, SDVariable> maskVars) {
        Conv2DConfig same = Conv2DConfig.builder().kH(KERNEL).kW(KERNEL).sH(1).sW(1).pH(1).pW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
        SDVariable a = sd.constant(Nd4j.scalar(DataType.LONG, numAnchors));
        SDVariable k = sd.constant(Nd4j.scalar(DataType.LONG, outputsPerAnchor));
        SDVariable minusOne = sd.constant(Nd4j.scalar(DataType.LONG, -1));
        List<SDVariable> perLevel = new ArrayList<>();
        for (int l = 0; l < numInputs; l++) {
            SDVariable x = layerInput.get("level_" + l);
            for (int i = 0; i < numConvs; i++) {
                x = sd.nn().relu(sd.cnn().conv2d(x, paramTable.get(convWeight(i)), paramTable.get(convBias(i)), same), 0.0);
            }
            SDVariable y = sd.cnn().conv2d(x, paramTable.get(predictorWeight()), paramTable.get(predictorBias()), same);
            SDVariable n = sd.sizeAt(y, 0);
            SDVariable h = sd.sizeAt(y, 2);
            SDVariable w = sd.sizeAt(y, 3);
            // [N, A·K, H, W] -> [N, A, K, H, W] -> [N, K, H, W, A] -> [N, K, H·W·A]  (anchor fastest)
            SDVariable y5 = sd.reshape(y, sd.stack(0, n, a, k, h, w));
            SDVariable perm = sd.permute(y5, 0, 2, 3, 4, 1);
            perLevel.add(sd.reshape(perm, sd.stack(0, n, k, minusOne)));
        }
        return perLevel.size() == 1 ? sd.identity(perLevel.get(0)) : sd.concat(2, perLevel.toArray(new SDVariable[0]));
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            if (e.getKey().endsWith("W")) {
                p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(weightStd));
            } else if (e.getKey().equals(predictorBias())) {
                p.assign(outputBias);
            } else {
                p.assign(0.0);
            }
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != numInputs) {
            throw new InvalidInputTypeException("SharedHeadVertex expects " + numInputs + " pyramid levels, got "
                    + vertexInputs.length);
        }
        long total = 0;
        for (InputType t : vertexInputs) {
            if (!(t instanceof InputType.InputTypeConvolutional c)) {
                throw new InvalidInputTypeException("SharedHeadVertex expects convolutional inputs, got " + t);
            }
            if (c.getChannels() != inChannels) {
                throw new InvalidInputTypeException("SharedHeadVertex expects " + inChannels + " channels, got " + c);
            }
            total = (total < 0 || c.getHeight() <= 0 || c.getWidth() <= 0) ? -1 : total + c.getHeight() * c.getWidth() * numAnchors;
        }
        return InputType.recurrent(outputsPerAnchor, total);
    }

    @Override
    public void validateInput(INDArray[] input) {
        if (input.length != numInputs) {
            throw new IllegalArgumentException("SharedHeadVertex '" + outputName + "': expected " + numInputs
                    + " pyramid levels, got " + input.length);
        }
        for (int i = 0; i < input.length; i++) {
            if (input[i].rank() != 4 || input[i].size(channelsLast ? 3 : 1) != inChannels) {
                throw new IllegalArgumentException("SharedHeadVertex '" + outputName + "': level " + i + " must be "
                        + (channelsLast ? "[N, H, W, " + inChannels + "]" : "[N, " + inChannels + ", H, W]") + ", got "
                        + java.util.Arrays.toString(input[i].shape()));
            }
        }
    }

    @Override
    public SharedHeadVertex clone() {
        SharedHeadVertex v = new SharedHeadVertex(numInputs, inChannels, channels, numConvs, numAnchors, outputsPerAnchor,
                outputName, weightStd, outputBias);
        v.setBackend(getBackend());
        v.channelsLast = channelsLast;
        return copyTrainingConfigTo(v);
    }

    public int getNumInputs() { return numInputs; }
    public void setNumInputs(int numInputs) { this.numInputs = numInputs; }
    public int getInChannels() { return inChannels; }
    public void setInChannels(int inChannels) { this.inChannels = inChannels; }
    public int getChannels() { return channels; }
    public void setChannels(int channels) { this.channels = channels; }
    public int getNumConvs() { return numConvs; }
    public void setNumConvs(int numConvs) { this.numConvs = numConvs; }
    public int getNumAnchors() { return numAnchors; }
    public void setNumAnchors(int numAnchors) { this.numAnchors = numAnchors; }
    public int getOutputsPerAnchor() { return outputsPerAnchor; }
    public void setOutputsPerAnchor(int outputsPerAnchor) { this.outputsPerAnchor = outputsPerAnchor; }
    public String getOutputName() { return outputName; }
    public void setOutputName(String outputName) { this.outputName = outputName; }
    public double getWeightStd() { return weightStd; }
    public void setWeightStd(double weightStd) { this.weightStd = weightStd; }
    public double getOutputBias() { return outputBias; }
    public void setOutputBias(double outputBias) { this.outputBias = outputBias; }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof SharedHeadVertex v)) return false;
        return numInputs == v.numInputs && inChannels == v.inChannels && channels == v.channels && numConvs == v.numConvs
                && numAnchors == v.numAnchors && outputsPerAnchor == v.outputsPerAnchor
                && Objects.equals(outputName, v.outputName) && weightStd == v.weightStd && outputBias == v.outputBias
                && getBackend() == v.getBackend() && channelsLast == v.channelsLast;
    }

    @Override
    public int hashCode() {
        return Objects.hash(numInputs, inChannels, channels, numConvs, numAnchors, outputsPerAnchor, outputName, weightStd, outputBias,
                getBackend(), channelsLast);
    }
}
