package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Softmax equalization loss (SEQL) for image classification (EQL paper §3.4, eq. 7–8; DESIGN §3.3):
 * p̃_j = e^{z_j} / Σ_k w̃_k e^{z_k}, w̃_k = 1 − β·T_λ(f_k)·(1 − y_k), β ~ Bernoulli(γ) drawn once per
 * sample (row); loss of a row = −Σ_j y_j log p̃_j = −z_c + log Σ_k w̃_k e^{z_k} (computed with the
 * max-shift, so finite for any finite logits).
 *
 * <h2>Contract</h2>
 * Labels one-hot {@code [N, C]} (exactly one class per used row), pre-output = logits (identity
 * activation; the softmax is inside the loss), mask {@code [N, 1]} or {@code [N, C]} (a row is used if
 * any entry is non-zero). This is a classification loss with DL4J's usual convention: the score is the
 * <em>sum</em> over used rows, which {@code OutputLayer}/{@code LossLayer} and the default
 * {@code miniBatch(true)} updater turn into the mean over the minibatch.
 *
 * <h2>Randomness</h2>
 * β is drawn from a {@link SplittableRandom} seeded by (seed, step, row), so score and gradient of the
 * same step agree: {@code step} (saved in the JSON) advances at the start of each training-path call
 * (computeGradient), and the scoring path reuses the draws of the latest step. γ = 1 gives β ≡ 1,
 * γ = 0 gives the plain softmax cross-entropy.
 */
public class SoftmaxEqualizationLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** γ = 0.9: EQL paper §5.2 (ImageNet-LT / iNaturalist SEQL setting). */
    public static final double DEFAULT_GAMMA = 0.9;
    /** λ default for classification (EQL paper §5.2, tail ratio ≈ 0.5% of images). */
    public static final double DEFAULT_LAMBDA = 4.3e-4;

    @JsonProperty("lambda")
    private double lambda;
    @JsonProperty("frequencies")
    private double[] frequencies;
    @JsonProperty("gamma")
    private double gamma;
    @JsonProperty("seed")
    private long seed;
    @JsonProperty("step")
    private long step;

    /** For JSON only (no frequencies). */
    public SoftmaxEqualizationLoss() {
        this(DEFAULT_LAMBDA, new double[0], DEFAULT_GAMMA, 0L);
    }

    /**
     * @param lambda      tail threshold λ ≥ 0
     * @param frequencies f_j in [0, 1]
     * @param gamma       Bernoulli probability γ of β = 1, in [0, 1]
     * @param seed        seed of the β draws
     */
    public SoftmaxEqualizationLoss(double lambda, double[] frequencies, double gamma, long seed) {
        LossMath.checkNonNegative("SoftmaxEqualizationLoss lambda", lambda);
        LossMath.checkUnitInterval("SoftmaxEqualizationLoss gamma", gamma);
        if (frequencies == null) {
            throw new IllegalArgumentException("SoftmaxEqualizationLoss frequencies must not be null");
        }
        for (int j = 0; j < frequencies.length; j++) {
            if (!(frequencies[j] >= 0 && frequencies[j] <= 1)) {
                throw new IllegalArgumentException("SoftmaxEqualizationLoss frequencies[" + j
                        + "] must lie in [0, 1], got " + frequencies[j]);
            }
        }
        this.lambda = lambda;
        this.frequencies = frequencies.clone();
        this.gamma = gamma;
        this.seed = seed;
    }

    public double getLambda() {
        return lambda;
    }

    public double getGamma() {
        return gamma;
    }

    public long getSeed() {
        return seed;
    }

    public synchronized long getStep() {
        return step;
    }

    /** β per row for the given step: 1 with probability γ. */
    double[] betas(long forStep, long rows) {
        double[] b = new double[Math.toIntExact(rows)];
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + forStep);
        for (int r = 0; r < b.length; r++) {
            b[r] = rng.nextDouble() < gamma ? 1.0 : 0.0;
        }
        return b;
    }

    /** w̃ [R, C] = 1 − β_r·T_λ(f_k)·(1 − y_k). */
    INDArray weights(INDArray y, double[] beta) {
        long c = y.columns();
        if (frequencies.length != c) {
            throw new IllegalArgumentException("SoftmaxEqualizationLoss: " + frequencies.length
                    + " class frequencies but " + c + " prediction columns (numClasses mismatch)");
        }
        double[] t = new double[frequencies.length];
        for (int j = 0; j < t.length; j++) {
            t[j] = frequencies[j] < lambda ? 1.0 : 0.0;
        }
        INDArray betaCol = Nd4j.createFromArray(beta).castTo(y.dataType()).reshape(beta.length, 1);
        return y.rsub(1.0).muliRowVector(LossMath.rowVector(t, y)).muliColumnVector(betaCol).rsubi(1.0);
    }

    @Override
    protected Terms compute(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        long useStep;
        synchronized (this) {
            if (training) {
                step++;
            }
            useStep = step;
        }
        INDArray w = weights(y, betas(useStep, x.rows()));
        INDArray rowMax = x.max(true, 1);
        INDArray e = Transforms.exp(x.subColumnVector(rowMax), false).muli(w);  // w̃_k e^{z_k − max}
        INDArray denom = e.sum(true, 1);                                       // Σ_k w̃_k e^{z_k − max}
        // per-row loss = −Σ_j y_j (z_j − max) + log denom, stored in the target column (y_j = 1)
        INDArray logDen = Transforms.log(denom, true);
        INDArray loss = x.subColumnVector(rowMax).negi().addiColumnVector(logDen).muli(y);
        INDArray rowMask = mask == null ? null : (mask.columns() == 1 ? mask : mask.max(true, 1));
        LossMath.applyMask(loss, rowMask);
        INDArray grad = null;
        if (wantGrad) {
            // ∂/∂z_k = P_k Σ_j y_j − y_k with P = w̃e^z / Σ w̃e^z
            grad = e.diviColumnVector(denom).muliColumnVector(y.sum(true, 1)).subi(y);
            LossMath.applyMask(grad, rowMask);
        }
        return new Terms(loss, grad);
    }

    @Override
    public String name() {
        return "SoftmaxEqualizationLoss(lambda=" + lambda + ", classes=" + frequencies.length + ", gamma=" + gamma
                + ", seed=" + seed + ")";
    }

    @Override
    public synchronized boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SoftmaxEqualizationLoss)) {
            return false;
        }
        SoftmaxEqualizationLoss that = (SoftmaxEqualizationLoss) o;
        return Double.compare(lambda, that.lambda) == 0 && Arrays.equals(frequencies, that.frequencies)
                && Double.compare(gamma, that.gamma) == 0 && seed == that.seed && step == that.step;
    }

    @Override
    public synchronized int hashCode() {
        return Objects.hash(lambda, Arrays.hashCode(frequencies), gamma, seed, step);
    }
}
