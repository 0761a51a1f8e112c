package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.RnnLossLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.TimeSeriesUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime of {@link SinglePassLossLayer}: DL4J's {@code RnnLossLayer} whose backward pass also computes the score and
 * hands it to the {@link #computeScore} call that follows for the same arrays. Everything else is DL4J's.
 */
public class SinglePassLossLayerImpl extends RnnLossLayer {

    /** Score of the last backward pass (un-averaged loss sum) and the arrays it was computed on; null = none. */
    private transient INDArray scoredInput;
    private transient INDArray scoredLabels;
    private transient INDArray scoredMask;
    private transient double lossScore;

    public SinglePassLossLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (labels == null) {
            throw new IllegalStateException("Labels are not set (null) for layer " + layerId());
        }
        if (input.rank() != 3 || labels.rank() != 3 || input.size(2) != labels.size(2)) {
            return super.backpropGradient(epsilon, workspaceMgr);   // DL4J's own checks and messages
        }
        forget();
        if (layerConf().getRnnDataFormat() == RNNFormat.NWC) {
            return dl4jBackprop(workspaceMgr);
        }
        // [N, C, T] as [N·T, C] rows, image by image: one c-order copy each, the layout the fused loss kernels read
        // without a further copy; DL4J's reshape3dTo2d gives f-order rows that the kernels copy again. The error
        // goes back as a view (the head reads it by strides) instead of DL4J's copy to [N, C, T] (DESIGN §10.16).
        long n = input.size(0);
        long t = input.size(2);
        INDArray input2d = rows(input, workspaceMgr);     // a copy: the loss may apply its activation in place
        INDArray labels2d = rows(labels, workspaceMgr);
        INDArray mask2d = null;
        if (maskArray != null) {
            mask2d = maskArray.rank() == 3 ? rows(maskArray, workspaceMgr)
                    : workspaceMgr.dup(ArrayType.BP_WORKING_MEM, maskArray, 'c').reshape('c', n * t, 1);
        }
        Pair<Double, INDArray> scoreAndDelta = layerConf().getLossFn().computeGradientAndScore(labels2d, input2d,
                layerConf().getActivationFn(), mask2d, false);
        INDArray delta2d = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, scoreAndDelta.getSecond());
        INDArray delta3d = delta2d.reshape('c', n, t, delta2d.size(1)).permute(0, 2, 1);
        return scored(scoreAndDelta.getFirst(), delta3d);
    }

    /** Keeps the score for the {@link #computeScore} call that follows on the same arrays. */
    private Pair<Gradient, INDArray> scored(double score, INDArray delta3d) {
        scoredInput = input;
        scoredLabels = labels;
        scoredMask = maskArray;
        lossScore = score;
        return new Pair<>(new DefaultGradient(), delta3d);
    }

    /** {@code [N, C, T]} as a c-order {@code [N·T, C]} copy (row n·T + t). */
    private static INDArray rows(INDArray a, LayerWorkspaceMgr workspaceMgr) {
        INDArray copy = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, a.dataType(),
                new long[]{a.size(0), a.size(2), a.size(1)}, 'c');
        copy.assign(a.permute(0, 2, 1));
        return copy.reshape('c', a.size(0) * a.size(2), a.size(1));
    }

    /** DL4J's own backward pass, with the score kept for {@link #computeScore}. */
    private Pair<Gradient, INDArray> dl4jBackprop(LayerWorkspaceMgr workspaceMgr) {
        boolean nwc = layerConf().getRnnDataFormat() == RNNFormat.NWC;
        INDArray in = nwc ? input.permute(0, 2, 1) : input;
        INDArray lab = nwc ? labels.permute(0, 2, 1) : labels;
        INDArray input2d = TimeSeriesUtils.reshape3dTo2d(in, workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray labels2d = TimeSeriesUtils.reshape3dTo2d(lab, workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray mask2d = reshapedMask(workspaceMgr, ArrayType.BP_WORKING_MEM);
        Pair<Double, INDArray> scoreAndDelta = layerConf().getLossFn().computeGradientAndScore(labels2d,
                input2d.dup(input2d.ordering()), layerConf().getActivationFn(), mask2d, false);
        INDArray delta3d = TimeSeriesUtils.reshape2dTo3d(scoreAndDelta.getSecond(), input.size(0), workspaceMgr,
                ArrayType.ACTIVATION_GRAD);
        if (nwc) {
            delta3d = delta3d.permute(0, 2, 1);
        }
        return scored(scoreAndDelta.getFirst(), delta3d);
    }

    /**
     * With the identity activation (the detectors' outputs) the output is the input itself: DL4J's {@code RnnLossLayer}
     * copies it three times ([N, C, T] to [N·T, C], a duplicate for the activation, and back), which took 6 % of a Libra
     * RetinaNet forward pass at 800×1344 (DESIGN §10.15). Other activations, or NWC data, take DL4J's path.
     */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (layerConf().getActivationFn() instanceof ActivationIdentity && layerConf().getRnnDataFormat() == RNNFormat.NCW
                && input != null && input.rank() == 3) {
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input.castTo(dataType));
        }
        return super.activate(training, workspaceMgr);
    }

    /** DL4J's score; the loss is not called again when the backward pass of the same arrays already computed it. */
    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (scoredInput == null || scoredInput != input || scoredLabels != labels || scoredMask != maskArray) {
            forget();
            return super.computeScore(fullNetRegTerm, training, workspaceMgr);
        }
        forget();
        score = lossScore / getInputMiniBatchSize() + fullNetRegTerm;
        return score;
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        forget();
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void setLabels(INDArray labels) {
        forget();
        super.setLabels(labels);
    }

    @Override
    public void clear() {
        forget();
        super.clear();
    }

    private void forget() {
        scoredInput = null;
        scoredLabels = null;
        scoredMask = null;
    }

    private INDArray reshapedMask(LayerWorkspaceMgr workspaceMgr, ArrayType type) {
        if (maskArray == null) {
            return null;
        }
        return maskArray.rank() == 3
                ? TimeSeriesUtils.reshapePerOutputTimeSeriesMaskTo2d(maskArray, workspaceMgr, type)
                : TimeSeriesUtils.reshapeTimeSeriesMaskToVector(maskArray, workspaceMgr, type);
    }
}
