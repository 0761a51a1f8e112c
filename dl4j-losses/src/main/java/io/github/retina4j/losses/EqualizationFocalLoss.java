package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Equalization loss on the sigmoid focal loss, the one-stage variant of DESIGN §3.3: each element's
 * focal loss FL (see {@link SigmoidFocalLoss}) is multiplied by the EQL weight
 * w_j = 1 − E(r)·T_λ(f_j)·(1 − y_j) (and w = 1 for LVIS exempt classes), S = Σ m·w·FL / Z.
 * With λ = 0 it is exactly {@link SigmoidFocalLoss}. Contract (inputs, masks, LVIS label layout,
 * normalisation, {@code miniBatch(false)}): as {@link EqualizationLoss}.
 */
public class EqualizationFocalLoss extends EqualizationLoss {

    private static final long serialVersionUID = 1L;

    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gamma")
    private double gamma;

    /** For JSON only: defaults of {@link EqualizationLoss} and {@link SigmoidFocalLoss}. */
    public EqualizationFocalLoss() {
        this(DEFAULT_LAMBDA, new double[0], Normalization.POSITIVE_ANCHORS, false,
                SigmoidFocalLoss.DEFAULT_ALPHA, SigmoidFocalLoss.DEFAULT_GAMMA);
    }

    /** λ, frequencies, focal defaults (α 0.25, γ 2), normalised by positive anchors. */
    public EqualizationFocalLoss(double lambda, double[] frequencies) {
        this(lambda, frequencies, Normalization.POSITIVE_ANCHORS, false,
                SigmoidFocalLoss.DEFAULT_ALPHA, SigmoidFocalLoss.DEFAULT_GAMMA);
    }

    public EqualizationFocalLoss(double lambda, double[] frequencies, Normalization normalization,
                                 boolean lvisCategorySets, double alpha, double gamma) {
        super(lambda, frequencies, normalization, lvisCategorySets);
        FocalParameters.check("EqualizationFocalLoss", alpha, gamma);
        this.alpha = alpha;
        this.gamma = gamma;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getGamma() {
        return gamma;
    }

    @Override
    protected INDArray[] baseTerms(INDArray y, INDArray x, INDArray w, boolean wantGrad) {
        return FocalKernel.compute(y, x, alpha, gamma, null, null, w, wantGrad);
    }

    @Override
    FusedFocalKernel.Result fusedPath(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(y, x)) {
            return null;
        }
        int c = Math.toIntExact(x.columns());
        FusedFocalKernel.Spec spec = new FusedFocalKernel.Spec(alpha, FusedFocalKernel.Spec.uniform(gamma, c), null,
                tailIndicators(c), isLvisCategorySets(), getNormalization() == Normalization.USED_ANCHORS, false);
        return FusedFocalKernel.compute(y, x, mask, spec, wantGrad, wantScore);
    }

    @Override
    public String name() {
        return super.name() + "[alpha=" + alpha + ", gamma=" + gamma + "]";
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && Double.compare(alpha, ((EqualizationFocalLoss) o).alpha) == 0
                && Double.compare(gamma, ((EqualizationFocalLoss) o).gamma) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), alpha, gamma);
    }
}
