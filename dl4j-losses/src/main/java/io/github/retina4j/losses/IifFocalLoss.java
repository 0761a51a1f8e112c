package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Objects;

/**
 * Inverse-image-frequency weighted logits (Alexandridis et al., TIP 2023, §3; DESIGN §3.8) in the sigmoid
 * focal loss: each class logit is multiplied by its IIF weight w_c ({@link InverseImageFrequency}) before the
 * activation, FL(w_c·x_c) summed as in {@link SigmoidFocalLoss}: S = Σ m·FL(w·x) / Z, ∂S/∂x_c = w_c·FL′(w_c·x_c) / Z.
 * The detector's scores use the same weighted logits, σ(w_c·x_c) (the authors' {@code get_activation}; DESIGN §6.6).
 * The authors apply the weights to a softmax cross-entropy; with a one-stage sigmoid detector they go to the focal
 * loss, whose α and γ keep RetinaNet's defaults.
 */
public class IifFocalLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    @JsonProperty("weights")
    private double[] weights;
    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gamma")
    private double gamma;

    /** For JSON only. */
    public IifFocalLoss() {
        this(new double[0]);
    }

    /** Focal defaults α = 0.25, γ = 2. */
    public IifFocalLoss(double[] weights) {
        this(weights, SigmoidFocalLoss.DEFAULT_ALPHA, SigmoidFocalLoss.DEFAULT_GAMMA);
    }

    public IifFocalLoss(double[] weights, double alpha, double gamma) {
        FocalParameters.check("IifFocalLoss", alpha, gamma);
        for (int c = 0; c < weights.length; c++) {
            LossMath.checkFinite("IifFocalLoss weight of class " + c, weights[c]);
        }
        this.weights = weights.clone();
        this.alpha = alpha;
        this.gamma = gamma;
    }

    public double[] getWeights() {
        return weights.clone();
    }

    public double getAlpha() {
        return alpha;
    }

    public double getGamma() {
        return gamma;
    }

    @Override
    FusedFocalKernel.Result fusedPath(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(y, x)) {
            return null;
        }
        checkColumns(x);
        return FusedFocalKernel.compute(y, x, mask, FusedFocalKernel.Spec.scaledLogits(alpha, gamma, weights), wantGrad,
                wantScore);
    }

    private void checkColumns(INDArray x) {
        if (x.columns() != weights.length) {
            throw new IllegalArgumentException(name() + ": " + weights.length + " class weights but the logits have "
                    + x.columns() + " classes");
        }
    }

    @Override
    protected Terms compute(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        checkColumns(x);
        double z = LossMath.normalizer(LossMath.countPositiveRows(y, mask));
        INDArray w = LossMath.rowVector(weights, x);
        INDArray[] t = FocalKernel.compute(y, x.mulRowVector(w), alpha, gamma, null, null, null, wantGrad);
        INDArray loss = LossMath.applyMask(t[0], mask).divi(z);
        INDArray grad = wantGrad ? LossMath.applyMask(t[1].muliRowVector(w), mask).divi(z) : null;
        return new Terms(loss, grad);
    }

    @Override
    public String name() {
        return "IifFocalLoss(alpha=" + alpha + ", gamma=" + gamma + ", " + weights.length + " class weights)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IifFocalLoss l && l.getClass() == getClass() && Arrays.equals(weights, l.weights)
                && Double.compare(alpha, l.alpha) == 0 && Double.compare(gamma, l.gamma) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), Arrays.hashCode(weights), alpha, gamma);
    }
}
