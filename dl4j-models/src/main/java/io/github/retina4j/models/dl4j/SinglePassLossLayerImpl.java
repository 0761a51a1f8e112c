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
        scoredInput = input;
        scoredLabels = labels;
        scoredMask = maskArray;
        lossScore = scoreAndDelta.getFirst();
        return new Pair<>(new DefaultGradient(), delta3d);
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
