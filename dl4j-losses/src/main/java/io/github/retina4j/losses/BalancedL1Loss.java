package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Balanced L1 loss (Pang et al., "Libra R-CNN", CVPR 2019, eq. 7–9, in mmdetection's form; DESIGN §3.4):
 * with b = e^{γ/α} − 1, L(d) = α/b·(b·d + 1)·ln(b·d/β + 1) − α·d for d &lt; β, else γ·d + γ/b − α·β.
 * Contract: see {@link AbstractBoxLoss}.
 */
public class BalancedL1Loss extends AbstractBoxLoss {

    private static final long serialVersionUID = 1L;

    /** α = 0.5, γ = 1.5, β = 1: Libra R-CNN §3.3 / mmdetection defaults. */
    public static final double DEFAULT_ALPHA = 0.5;
    public static final double DEFAULT_GAMMA = 1.5;
    public static final double DEFAULT_BETA = 1.0;

    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gamma")
    private double gamma;
    @JsonProperty("beta")
    private double beta;

    public BalancedL1Loss() {
        this(DEFAULT_ALPHA, DEFAULT_GAMMA, DEFAULT_BETA);
    }

    /**
     * @param alpha α &gt; 0
     * @param gamma γ &gt; 0
     * @param beta  β &gt; 0
     */
    public BalancedL1Loss(double alpha, double gamma, double beta) {
        LossMath.checkPositive("BalancedL1Loss alpha", alpha);
        LossMath.checkPositive("BalancedL1Loss gamma", gamma);
        LossMath.checkPositive("BalancedL1Loss beta", beta);
        if (!Double.isFinite(Math.exp(gamma / alpha))) {
            throw new IllegalArgumentException("BalancedL1Loss gamma/alpha = " + (gamma / alpha) + " too large (e^(gamma/alpha) overflows)");
        }
        this.alpha = alpha;
        this.gamma = gamma;
        this.beta = beta;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getGamma() {
        return gamma;
    }

    public double getBeta() {
        return beta;
    }

    @Override
    protected void elementLoss(INDArray d, INDArray dGrad) {
        double b = Math.exp(gamma / alpha) - 1.0;
        INDArray inner = d.lt(beta).castTo(d.dataType());                // 1 on the log branch
        INDArray bd = d.mul(b);
        INDArray logTerm = Transforms.log(bd.div(beta).addi(1.0), false); // ln(b·d/β + 1)
        if (dGrad != null) {
            // log branch: α·ln(bd/β + 1) + α·(bd + 1)/(bd + β) − α ; linear branch: γ
            INDArray g = bd.add(1.0).divi(bd.add(beta)).addi(logTerm).subi(1.0).muli(alpha);
            dGrad.assign(g.subi(gamma).muli(inner).addi(gamma));
        }
        // log branch value: α/b·(bd + 1)·ln(bd/β + 1) − α·d ; linear: γ·d + γ/b − α·β
        INDArray logBranch = bd.addi(1.0).muli(logTerm).muli(alpha / b).subi(d.mul(alpha));
        d.muli(gamma).addi(gamma / b - alpha * beta);
        d.addi(logBranch.subi(d).muli(inner));
    }

    @Override
    public String name() {
        return "BalancedL1Loss(alpha=" + alpha + ", gamma=" + gamma + ", beta=" + beta + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BalancedL1Loss)) {
            return false;
        }
        BalancedL1Loss t = (BalancedL1Loss) o;
        return Double.compare(alpha, t.alpha) == 0 && Double.compare(gamma, t.gamma) == 0 && Double.compare(beta, t.beta) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(BalancedL1Loss.class, alpha, gamma, beta);
    }
}
