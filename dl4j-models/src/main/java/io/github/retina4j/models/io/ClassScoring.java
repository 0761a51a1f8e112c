package io.github.retina4j.models.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How a detector turns its class logits {@code [N, C, A]} into scores (DESIGN §6.6, §3.7–3.9): per element
 * s = calibrate(act(w_c·x)) with
 * <ul>
 *   <li>{@code act} the activation the classification loss was trained with: the sigmoid (focal loss family) or the
 *       Gumbel CDF exp(−exp(−x)) (GOL, DESIGN §3.7);</li>
 *   <li>w_c per-class logit weights (IIF, DESIGN §3.8; null = 1);</li>
 *   <li>{@code calibrate} NorCal (DESIGN §6.6), null = none: p_c's own background 1 − p_c is kept and the class part
 *       divided by n_c^γ, then the pair is renormalised: s = (p/n_c^γ) / (p/n_c^γ + 1 − p); with the sigmoid this is
 *       σ(x − γ·ln n_c). Without renormalisation s = p / n_c^γ.</li>
 * </ul>
 * {@code trainImageCounts} are the training images per class (n_c, in the model's class order), kept so that NorCal can
 * be switched on for a saved model without its training annotations; null when unknown.
 *
 * @param activation       logit → probability
 * @param logitWeights     per-class logit weights, or null
 * @param trainImageCounts training images per class, or null
 * @param norcal           NorCal calibration, or null
 */
public record ClassScoring(Activation activation, double[] logitWeights, double[] trainImageCounts, NorCal norcal) {

    /** The activation of the classification loss. */
    public enum Activation {
        /** σ(x) = 1 / (1 + e^{−x}). */
        SIGMOID,
        /** Gumbel CDF G(x) = exp(−exp(−x)) (Alexandridis et al. 2022, GOL, §3). */
        GUMBEL;

        /** act(x) and 1 − act(x), each computed without cancellation. */
        public double[] probabilities(double x) {
            if (this == SIGMOID) {
                return new double[]{1 / (1 + Math.exp(-x)), 1 / (1 + Math.exp(x))};
            }
            double u = Math.exp(-x);
            return new double[]{Math.exp(-u), -Math.expm1(-u)};
        }

        /** The logit whose activation is {@code p}: the class-bias initialisation for a prior π (Lin 2017 §4.1). */
        public double logitOf(double p) {
            return this == SIGMOID ? Math.log(p / (1 - p)) : -Math.log(-Math.log(p));
        }

        public static Activation named(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown score activation '" + name + "': expected sigmoid or gumbel");
            }
        }
    }

    /**
     * NorCal (Pan et al., NeurIPS 2021, §3; DESIGN §6.6): class scores divided by n_c^γ, the background kept, and the scores
     * renormalised (their code's default {@code TEST.CALIBRATION.RENORM = True}).
     *
     * @param gamma       γ ≥ 0 (0 changes nothing)
     * @param renormalise renormalise each class score against its own background (the paper's form), else p / n^γ only
     */
    public record NorCal(double gamma, boolean renormalise) {
        public NorCal {
            if (!(gamma >= 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("NorCal gamma must be a finite number >= 0, got " + gamma);
            }
        }
    }

    public ClassScoring {
        Objects.requireNonNull(activation, "activation");
        logitWeights = check(logitWeights, "logit weight", false);
        trainImageCounts = check(trainImageCounts, "training image count", true);
        if (norcal != null && trainImageCounts == null) {
            throw new IllegalArgumentException("NorCal needs the training image count of every class (none given)");
        }
        if (logitWeights != null && trainImageCounts != null && logitWeights.length != trainImageCounts.length) {
            throw new IllegalArgumentException("ClassScoring: " + logitWeights.length + " logit weights but "
                    + trainImageCounts.length + " class counts");
        }
    }

    private static double[] check(double[] v, String what, boolean nonNegative) {
        if (v == null) {
            return null;
        }
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i]) || (nonNegative && v[i] < 0)) {
                throw new IllegalArgumentException("ClassScoring: " + what + " of class " + i + " is " + v[i]);
            }
        }
        return v.clone();
    }

    /** Plain sigmoid scores: the RetinaNet default. */
    public static ClassScoring sigmoid() {
        return new ClassScoring(Activation.SIGMOID, null, null, null);
    }

    @Override
    public double[] logitWeights() {
        return logitWeights == null ? null : logitWeights.clone();
    }

    @Override
    public double[] trainImageCounts() {
        return trainImageCounts == null ? null : trainImageCounts.clone();
    }

    /** True for sigmoid scores without weights or calibration (the post-processor's one-op fast path). */
    public boolean isPlainSigmoid() {
        return activation == Activation.SIGMOID && logitWeights == null && norcal == null;
    }

    public ClassScoring withTrainImageCounts(double[] counts) {
        return new ClassScoring(activation, logitWeights, counts, norcal);
    }

    /** NorCal on (null: off), with the counts this scoring carries. */
    public ClassScoring withNorCal(NorCal n) {
        return new ClassScoring(activation, logitWeights, trainImageCounts, n);
    }

    /** Checks that the per-class vectors have one entry per class of a model with {@code numClasses} classes. */
    public void checkClasses(int numClasses, String source) {
        if (logitWeights != null && logitWeights.length != numClasses) {
            throw new IllegalArgumentException(source + ": " + logitWeights.length + " logit weights for " + numClasses
                    + " classes");
        }
        if (trainImageCounts != null && trainImageCounts.length != numClasses) {
            throw new IllegalArgumentException(source + ": " + trainImageCounts.length + " training image counts for "
                    + numClasses + " classes");
        }
    }

    /**
     * Scores of one image's logits {@code [C, A]} (flat, index c·A + a) into {@code out} (same layout).
     * A class without training images counts as one image (n_c = max(1, n_c)): its score is not divided by 0.
     */
    public void scores(float[] logits, int numClasses, int numAnchors, float[] out) {
        for (int c = 0; c < numClasses; c++) {
            double w = logitWeights == null ? 1.0 : logitWeights[c];
            double k = classFactor(c);
            int base = c * numAnchors;
            for (int a = 0; a < numAnchors; a++) {
                out[base + a] = (float) score(w * logits[base + a], k);
            }
        }
    }

    /**
     * Per-class logit weights w_c and factors k_c = max(1, n_c)^{−γ} (1 without NorCal) of a model with
     * {@code numClasses} classes: {@code (float) score(w[c] · x, k[c])} is exactly the score that
     * {@link #scores(float[], int, int, float[])} gives logit x of class c.
     */
    public double[][] classWeightsAndFactors(int numClasses) {
        double[] w = new double[numClasses];
        double[] k = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            w[c] = logitWeights == null ? 1.0 : logitWeights[c];
            k[c] = classFactor(c);
        }
        return new double[][] {w, k};
    }

    /**
     * The raw logits of class {@code cls} whose score (in exact arithmetic) exceeds {@code minScore} lie in the open
     * interval {@code (lo, hi)} returned: the score is monotone in the weighted logit, so this inverts it
     * (p = s / k, or p = s / (k(1 − s) + s) with renormalisation, then the activation's logit of p, divided by the
     * weight). {@code lo = +∞} or {@code hi = −∞} when no logit can pass; (−∞, ∞) when the weight is 0.
     */
    public double[] logitInterval(int cls, double minScore) {
        double w = logitWeights == null ? 1.0 : logitWeights[cls];
        if (!(minScore > 0) || w == 0) {
            return new double[] {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
        }
        double k = classFactor(cls);
        double p = norcal == null ? minScore : norcal.renormalise() ? minScore / (k * (1 - minScore) + minScore) : minScore / k;
        double u = p >= 1 ? Double.POSITIVE_INFINITY : activation.logitOf(p);
        return w > 0 ? new double[] {u / w, Double.POSITIVE_INFINITY} : new double[] {Double.NEGATIVE_INFINITY, u / w};
    }

    private double classFactor(int c) {
        return norcal == null ? 1.0 : Math.pow(Math.max(1.0, trainImageCounts[c]), -norcal.gamma());
    }

    /** s for a weighted logit x and the class factor k = n_c^{−γ}. */
    public double score(double x, double k) {
        double[] p = activation.probabilities(x);
        if (norcal == null) {
            return p[0];
        }
        double q = p[0] * k;
        return norcal.renormalise() ? q / (q + p[1]) : q;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassScoring s && activation == s.activation && Arrays.equals(logitWeights, s.logitWeights)
                && Arrays.equals(trainImageCounts, s.trainImageCounts) && Objects.equals(norcal, s.norcal);
    }

    @Override
    public int hashCode() {
        return Objects.hash(activation, Arrays.hashCode(logitWeights), Arrays.hashCode(trainImageCounts), norcal);
    }

    @Override
    public String toString() {
        return "ClassScoring[" + activation.name().toLowerCase(Locale.ROOT)
                + (logitWeights == null ? "" : ", logit weights " + Arrays.toString(logitWeights))
                + (norcal == null ? "" : ", NorCal γ=" + norcal.gamma() + (norcal.renormalise() ? "" : " without renormalisation"))
                + "]";
    }
}
