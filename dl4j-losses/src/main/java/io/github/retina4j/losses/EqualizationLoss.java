package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Objects;

/**
 * Sigmoid equalization loss (Tan et al., "Equalization Loss for Long-Tailed Object Recognition",
 * CVPR 2020, eq. 3–5; DESIGN §3.3): BCE weighted per element by
 * w_j = 1 − E(r)·T_λ(f_j)·(1 − y_j), E(r) = 1 for a foreground anchor (a row with a positive label),
 * T_λ(f) = 1 iff f &lt; λ (strict), f_j = images containing class j / all images.
 *
 * <p>λ is given directly or derived from a target tail ratio with {@link #lambdaForTailRatio}.
 * With {@code lvisCategorySets = true} the labels carry 2C columns: the C one-hot targets followed by C
 * "exempt" indicators (1 if class j is in the image's positive set or its {@code neg_category_ids}); an
 * exempt class always gets w = 1 (DESIGN §3.3, LVIS federated annotation). Its gradient is returned for the
 * C prediction columns only.
 *
 * <h2>Contract</h2>
 * Inputs/masks as {@link SigmoidFocalLoss}: {@code [N·A, C]} rows from {@code RnnLossLayer},
 * masks {@code [N·A,1]} or {@code [N·A,C]}, background = all-zero row. Normalisation
 * {@link Normalization#POSITIVE_ANCHORS} (default, RetinaNet style: S = Σ m·w·BCE / max(1, N_pos)) or
 * {@link Normalization#USED_ANCHORS} (the EQL paper's two-stage form: divide by the number of used rows).
 * The loss returns S and ∂S/∂x; build graphs with {@code miniBatch(false)} to optimise S exactly
 * (see the package documentation).
 */
public class EqualizationLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** λ = 0.00177: eql.detectron2 default (EQL paper §4, λ ≈ 1.76e-3 on LVIS v0.5). */
    public static final double DEFAULT_LAMBDA = 0.00177;

    /** What the summed loss is divided by. */
    public enum Normalization {
        /** Z = max(1, N_pos): one-stage detectors (DESIGN §3). */
        POSITIVE_ANCHORS,
        /** max(1, number of used rows): the EQL reference (sampled proposals). */
        USED_ANCHORS
    }

    @JsonProperty("lambda")
    private double lambda;
    @JsonProperty("frequencies")
    private double[] frequencies;
    @JsonProperty("normalization")
    private Normalization normalization;
    @JsonProperty("lvisCategorySets")
    private boolean lvisCategorySets;

    /** For JSON only: λ default, no frequencies (every class counts as frequent until set). */
    public EqualizationLoss() {
        this(DEFAULT_LAMBDA, new double[0], Normalization.POSITIVE_ANCHORS, false);
    }

    /** λ and per-class image frequencies f_j, normalised by positive anchors, no LVIS sets. */
    public EqualizationLoss(double lambda, double[] frequencies) {
        this(lambda, frequencies, Normalization.POSITIVE_ANCHORS, false);
    }

    /**
     * @param lambda           tail threshold λ ≥ 0 (λ = 0: plain BCE)
     * @param frequencies      f_j in [0, 1] per class
     * @param normalization    divisor of the summed loss
     * @param lvisCategorySets labels carry [one-hot | exempt] (2C columns)
     */
    public EqualizationLoss(double lambda, double[] frequencies, Normalization normalization, boolean lvisCategorySets) {
        LossMath.checkNonNegative(getClass().getSimpleName() + " lambda", lambda);
        if (frequencies == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " frequencies must not be null");
        }
        for (int j = 0; j < frequencies.length; j++) {
            if (!(frequencies[j] >= 0 && frequencies[j] <= 1)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " frequencies[" + j
                        + "] must lie in [0, 1], got " + frequencies[j]);
            }
        }
        this.lambda = lambda;
        this.frequencies = frequencies.clone();
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        this.lvisCategorySets = lvisCategorySets;
    }

    /** f_j = imageCounts[j] / numImages. */
    public static double[] frequencies(long[] imageCounts, long numImages) {
        if (numImages <= 0) {
            throw new IllegalArgumentException("numImages must be > 0, got " + numImages);
        }
        double[] f = new double[imageCounts.length];
        for (int j = 0; j < f.length; j++) {
            if (imageCounts[j] < 0 || imageCounts[j] > numImages) {
                throw new IllegalArgumentException("imageCounts[" + j + "] = " + imageCounts[j]
                        + " must lie in [0, numImages = " + numImages + "]");
            }
            f[j] = (double) imageCounts[j] / numImages;
        }
        return f;
    }

    /** TR(λ) = Σ_j T_λ(f_j)·N_j / Σ_j N_j (EQL paper §4.2, tail ratio). */
    public static double tailRatio(double lambda, long[] imageCounts, long numImages) {
        double[] f = frequencies(imageCounts, numImages);
        double tail = 0;
        double all = 0;
        for (int j = 0; j < f.length; j++) {
            all += imageCounts[j];
            if (f[j] < lambda) {
                tail += imageCounts[j];
            }
        }
        return all == 0 ? 0 : tail / all;
    }

    /**
     * The largest λ with TR(λ) ≤ {@code targetTailRatio}: classes are taken as tail in increasing
     * frequency (ties together) while the tail ratio stays within the target; λ is then the frequency
     * of the first class left out (T is strict), or just above the largest frequency if all fit.
     */
    public static double lambdaForTailRatio(long[] imageCounts, long numImages, double targetTailRatio) {
        LossMath.checkUnitInterval("targetTailRatio", targetTailRatio);
        double[] f = frequencies(imageCounts, numImages);
        double[] sorted = f.clone();
        Arrays.sort(sorted);
        for (double candidate : sorted) {
            // candidate λ = f: classes strictly rarer are tail; the next distinct frequency would add more
            double next = Math.nextUp(candidate);
            if (tailRatio(next, imageCounts, numImages) > targetTailRatio) {
                return candidate;
            }
        }
        return sorted.length == 0 ? 0.0 : Math.nextUp(sorted[sorted.length - 1]);
    }

    public double getLambda() {
        return lambda;
    }

    public double[] getFrequencies() {
        return frequencies.clone();
    }

    public Normalization getNormalization() {
        return normalization;
    }

    public boolean isLvisCategorySets() {
        return lvisCategorySets;
    }

    @Override
    protected long labelColumns(long predCols) {
        return lvisCategorySets ? 2 * predCols : predCols;
    }

    /** T_λ(f_j) as a [1, C] row (1 = tail class). */
    INDArray thresholdRow(long numClasses, INDArray like) {
        return LossMath.rowVector(tailIndicators(numClasses), like);
    }

    /** T_λ(f_j) per class (1 = tail class, f_j &lt; λ strictly). */
    double[] tailIndicators(long numClasses) {
        if (frequencies.length != numClasses) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + frequencies.length
                    + " class frequencies but " + numClasses + " prediction columns (numClasses mismatch)");
        }
        double[] t = new double[frequencies.length];
        for (int j = 0; j < t.length; j++) {
            t[j] = frequencies[j] < lambda ? 1.0 : 0.0;
        }
        return t;
    }

    /**
     * The per-element weights w [R, C] for labels [R, C] (or [R, 2C] with LVIS sets):
     * w = 1 − E(r)·T_λ(f_j)·(1 − y_j)·(1 − exempt_j).
     */
    public INDArray elementWeights(INDArray labels, long numClasses) {
        INDArray y = labels.columns() == numClasses ? labels : labels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, numClasses));
        INDArray foreground = y.sum(true, 1).gt(0).castTo(y.dataType());          // E(r) [R, 1]
        INDArray w = y.rsub(1.0);
        if (lvisCategorySets) {
            INDArray exempt = labels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(numClasses, 2 * numClasses));
            w.muli(exempt.rsub(1.0));
        }
        return w.muliRowVector(thresholdRow(numClasses, y)).muliColumnVector(foreground).rsubi(1.0);
    }

    /** Unmasked, unnormalised per-element base loss and gradient (BCE here), given weights w. */
    protected INDArray[] baseTerms(INDArray y, INDArray x, INDArray w, boolean wantGrad) {
        INDArray s = y.mul(-2.0).addi(1.0);
        INDArray z = x.mul(s);
        INDArray loss = LossMath.softplusi(z.dup()).muli(w);                      // BCE = softplus(s·x)
        INDArray grad = wantGrad ? Transforms.sigmoid(z, false).muli(s).muli(w) : null; // σ(x) − y = s·σ(s·x)
        return new INDArray[]{loss, grad};
    }

    @Override
    protected Terms compute(INDArray labels, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        long c = x.columns();
        INDArray y = lvisCategorySets ? labels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, c)).dup() : labels;
        INDArray w = elementWeights(labels, c);
        double count = normalization == Normalization.POSITIVE_ANCHORS
                ? LossMath.countPositiveRows(y, mask) : LossMath.countUsedRows(mask, x.rows());
        double z = LossMath.normalizer(count);
        INDArray[] t = baseTerms(y, x, w, wantGrad);
        INDArray loss = LossMath.applyMask(t[0], mask).divi(z);
        INDArray grad = wantGrad ? LossMath.applyMask(t[1], mask).divi(z) : null;
        return new Terms(loss, grad);
    }

    @Override
    public String name() {
        return getClass().getSimpleName() + "(lambda=" + lambda + ", classes=" + frequencies.length
                + ", normalization=" + normalization + ", lvisCategorySets=" + lvisCategorySets + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        EqualizationLoss that = (EqualizationLoss) o;
        return Double.compare(lambda, that.lambda) == 0 && Arrays.equals(frequencies, that.frequencies)
                && normalization == that.normalization && lvisCategorySets == that.lvisCategorySets;
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), lambda, Arrays.hashCode(frequencies), normalization, lvisCategorySets);
    }

}
