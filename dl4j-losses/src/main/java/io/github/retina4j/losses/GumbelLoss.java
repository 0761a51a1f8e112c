package io.github.retina4j.losses;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Gumbel optimised loss (GOL; Alexandridis et al., "Long-tailed Instance Segmentation using Gumbel Optimized Loss",
 * ECCV 2022, §3; DESIGN §3.7): binary cross-entropy on Gumbel probabilities p = G(x) = exp(−exp(−x)) instead of
 * σ(x), S = Σ m·BCE / Z with Z = max(1, N_pos) (the one-stage normalisation of DESIGN §3).
 *
 * <p>With u = exp(−x): −log p = u and −log(1 − p) = −log(−expm1(−u)), so
 * BCE = y·u − (1 − y)·log(−expm1(−u)) and ∂BCE/∂x = −y·u + (1 − y)·u·e^{−u} / (−expm1(−u)); both are evaluated in
 * double precision without cancellation (u·e^{−u}/(−expm1(−u)) → 1 as u → 0 and → 0 as u → ∞).
 *
 * <p>As the authors' {@code GumbelCE} ({@code mmdet/models/losses/gumbel_ce.py}) the logits are clamped to [−4, 10]
 * before the activation (no gradient outside), by default; {@link #GumbelLoss(boolean, double, double)} turns the clamp
 * off or moves it. Without the clamp a positive's loss e^{−x} exceeds the float range below x ≈ −88.7 (the score,
 * summed in double, stays finite to x ≈ −709). Their clamp of the reduced loss to 20 is not applied: it acts on a
 * two-stage head's mean over sampled RoIs, not on this sum. The model's scores use the same activation (DESIGN §6.6).
 * Score and gradient take one pass over the arrays ({@link FusedGumbelKernel}); {@link #compute} is the op-by-op form.
 */
public class GumbelLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** Lower logit clamp of {@code gumbel_ce.py}. */
    public static final double DEFAULT_CLAMP_MIN = -4.0;
    /** Upper logit clamp of {@code gumbel_ce.py}. */
    public static final double DEFAULT_CLAMP_MAX = 10.0;

    @JsonProperty("clampLogits")
    private boolean clampLogits;
    @JsonProperty("clampMin")
    private double clampMin;
    @JsonProperty("clampMax")
    private double clampMax;

    /** The authors' settings: logits clamped to [−4, 10]. */
    public GumbelLoss() {
        this(true, DEFAULT_CLAMP_MIN, DEFAULT_CLAMP_MAX);
    }

    /**
     * @param clampLogits clamp the logits to [clampMin, clampMax] (zero gradient outside), as the reference does
     */
    public GumbelLoss(boolean clampLogits, double clampMin, double clampMax) {
        LossMath.checkFinite("GumbelLoss clampMin", clampMin);
        LossMath.checkFinite("GumbelLoss clampMax", clampMax);
        if (!(clampMin < clampMax)) {
            throw new IllegalArgumentException("GumbelLoss clampMin must be < clampMax, got " + clampMin + " and " + clampMax);
        }
        this.clampLogits = clampLogits;
        this.clampMin = clampMin;
        this.clampMax = clampMax;
    }

    public boolean isClampLogits() {
        return clampLogits;
    }

    public double getClampMin() {
        return clampMin;
    }

    public double getClampMax() {
        return clampMax;
    }

    @Override
    FusedFocalKernel.Result fusedPath(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(y, x)) {
            return null;
        }
        return FusedGumbelKernel.compute(y, x, mask, new FusedGumbelKernel.Clamp(clampLogits, clampMin, clampMax), wantGrad);
    }

    @Override
    protected Terms compute(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        double z = LossMath.normalizer(LossMath.countPositiveRows(y, mask));
        double[] xs = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] ys = y.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] loss = new double[xs.length];
        double[] grad = wantGrad ? new double[xs.length] : null;
        for (int i = 0; i < xs.length; i++) {
            double v = xs[i];
            boolean inside = true;
            if (clampLogits && (v < clampMin || v > clampMax)) {
                v = v < clampMin ? clampMin : clampMax;
                inside = false;
            }
            double u = Math.exp(-v);
            double negLog1mP = -Math.log(-Math.expm1(-u));      // −log(1 − p)
            double yi = ys[i];
            loss[i] = (yi * u + (1 - yi) * negLog1mP) / z;
            if (wantGrad) {
                // d(−log(1 − p))/dx = u·e^{−u} / (1 − e^{−u})
                double dNeg = u * Math.exp(-u) / -Math.expm1(-u);
                grad[i] = inside ? (-yi * u + (1 - yi) * dNeg) / z : 0.0;
            }
        }
        long[] shape = x.shape();
        INDArray l = LossMath.applyMask(Nd4j.createFromArray(loss).reshape('c', shape).castTo(x.dataType()), mask);
        INDArray g = wantGrad
                ? LossMath.applyMask(Nd4j.createFromArray(grad).reshape('c', shape).castTo(x.dataType()), mask) : null;
        return new Terms(l, g);
    }

    @Override
    public String name() {
        return "GumbelLoss(" + (clampLogits ? "clamp=[" + clampMin + ", " + clampMax + "]" : "no clamp") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GumbelLoss g && g.getClass() == getClass() && clampLogits == g.clampLogits
                && Double.compare(clampMin, g.clampMin) == 0 && Double.compare(clampMax, g.clampMax) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), clampLogits, clampMin, clampMax);
    }
}
