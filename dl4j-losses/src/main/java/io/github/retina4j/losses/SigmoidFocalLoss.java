package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Sigmoid focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017, eq. 5; DESIGN §3.1):
 * FL = −α_t (1 − p_t)^γ log p_t, loss S = Σ m·FL / Z with Z = max(1, N_pos).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Labels and pre-output {@code [N·A, C]} exactly as {@code RnnLossLayer} (identity activation)
 *       passes a dense head's {@code [N, C, A]} output; labels one-hot in {0, 1}; background anchor =
 *       all-zero row (no background class).</li>
 *   <li>Mask {@code [N·A, 1]} (per anchor: 0 = ignored) or {@code [N·A, C]} (per element); masked
 *       elements contribute nothing to score and gradient.</li>
 *   <li>N_pos = rows with Σ_c m·y &gt; 0 over the whole minibatch (all images of the batch, all
 *       pyramid levels when they are concatenated into one output), Z = max(1, N_pos).</li>
 *   <li>{@code computeScore} returns S and {@code computeGradient} ∂S/∂x, with no division by the
 *       minibatch size N. DL4J divides the reported layer score by N, and its updater divides the
 *       gradients by N unless the graph is configured with {@code miniBatch(false)}: build detection
 *       graphs with {@code miniBatch(false)} to optimise exactly S (see the package documentation).</li>
 * </ul>
 * Stable for any finite logit (log-sigmoid form, see {@link FocalKernel}).
 */
public class SigmoidFocalLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** α = 0.25: RetinaNet paper, Table 1a best setting with γ = 2. */
    public static final double DEFAULT_ALPHA = 0.25;
    /** γ = 2: RetinaNet paper, Table 1b. */
    public static final double DEFAULT_GAMMA = 2.0;

    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gamma")
    private double gamma;

    /** Paper defaults α = 0.25, γ = 2. */
    public SigmoidFocalLoss() {
        this(DEFAULT_ALPHA, DEFAULT_GAMMA);
    }

    /**
     * @param alpha weight of positives, in [0, 1]
     * @param gamma focusing parameter, ≥ 0
     */
    public SigmoidFocalLoss(double alpha, double gamma) {
        FocalParameters.check("SigmoidFocalLoss", alpha, gamma);
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
    protected Terms compute(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        double z = LossMath.normalizer(LossMath.countPositiveRows(y, mask));
        INDArray[] t = FocalKernel.compute(y, x, alpha, gamma, null, null, null, wantGrad);
        INDArray loss = LossMath.applyMask(t[0], mask).divi(z);
        INDArray grad = wantGrad ? LossMath.applyMask(t[1], mask).divi(z) : null;
        return new Terms(loss, grad);
    }

    @Override
    FusedFocalKernel.Result fusedPath(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(y, x)) {
            return null;
        }
        double[] g = FusedFocalKernel.Spec.uniform(gamma, Math.toIntExact(x.columns()));
        return FusedFocalKernel.compute(y, x, mask, FusedFocalKernel.Spec.focal(alpha, g, null, false), wantGrad, wantScore);
    }

    @Override
    public String name() {
        return "SigmoidFocalLoss(alpha=" + alpha + ", gamma=" + gamma + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SigmoidFocalLoss)) {
            return false;
        }
        SigmoidFocalLoss that = (SigmoidFocalLoss) o;
        return Double.compare(alpha, that.alpha) == 0 && Double.compare(gamma, that.gamma) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), alpha, gamma);
    }
}
