package io.github.retina4j.data.targets;

import java.util.Arrays;

/**
 * Result of {@link MaxIoUAssigner} for one image: for every anchor the matched ground-truth index (≥ 0), or
 * {@link #BACKGROUND} (−1), or {@link #IGNORED} (−2) — the codes of torchvision's {@code Matcher} — and the anchor's
 * best IoU over the ground truths (−1 for anchors ignored because they lie in a crowd region, as in mmdetection).
 * Immutable: accessors of whole arrays return copies.
 */
public final class Assignment {

    /** Code of a background (negative) anchor. */
    public static final int BACKGROUND = -1;
    /** Code of an ignored anchor (between the thresholds, or inside a crowd/ignore region). */
    public static final int IGNORED = -2;

    final int[] matched;
    final double[] maxIou;
    private final int numGt;
    private final int numPositive;
    private final int numIgnored;

    Assignment(int[] matched, double[] maxIou, int numGt) {
        this.matched = matched;
        this.maxIou = maxIou;
        this.numGt = numGt;
        int pos = 0;
        int ign = 0;
        for (int m : matched) {
            if (m >= 0) {
                pos++;
            } else if (m == IGNORED) {
                ign++;
            }
        }
        this.numPositive = pos;
        this.numIgnored = ign;
    }

    /**
     * Builds an assignment from explicit codes (e.g. from another library) — validated and copied.
     *
     * @param matched per-anchor codes: gt index ≥ 0, {@link #BACKGROUND} or {@link #IGNORED}
     * @param maxIou  per-anchor best IoU
     * @param numGt   number of ground truths of the image
     */
    public static Assignment of(int[] matched, double[] maxIou, int numGt) {
        if (matched.length != maxIou.length) {
            throw new IllegalArgumentException("matched (" + matched.length + ") and maxIou (" + maxIou.length + ") differ in length");
        }
        for (int a = 0; a < matched.length; a++) {
            if (matched[a] < IGNORED || matched[a] >= numGt) {
                throw new IllegalArgumentException("anchor " + a + ": code " + matched[a] + " is not -2, -1 or a gt index < " + numGt);
            }
            if (Double.isNaN(maxIou[a])) {
                throw new IllegalArgumentException("anchor " + a + ": maxIou is NaN");
            }
        }
        return new Assignment(matched.clone(), maxIou.clone(), numGt);
    }

    public int numAnchors() {
        return matched.length;
    }

    public int numGt() {
        return numGt;
    }

    public int numPositive() {
        return numPositive;
    }

    public int numIgnored() {
        return numIgnored;
    }

    public int numBackground() {
        return matched.length - numPositive - numIgnored;
    }

    /** Code of anchor {@code a}: gt index, {@link #BACKGROUND} or {@link #IGNORED}. */
    public int matched(int a) {
        return matched[a];
    }

    public double maxIou(int a) {
        return maxIou[a];
    }

    /** All codes (a copy). */
    public int[] matchedGtIndices() {
        return matched.clone();
    }

    /** All best IoUs (a copy). */
    public double[] maxIous() {
        return maxIou.clone();
    }

    /** Indices of the positive anchors, increasing. */
    public int[] positiveIndices() {
        return indicesWhere(true);
    }

    /** Indices of the background anchors, increasing. */
    public int[] negativeIndices() {
        return indicesWhere(false);
    }

    private int[] indicesWhere(boolean positive) {
        int[] out = new int[positive ? numPositive : numBackground()];
        int n = 0;
        for (int a = 0; a < matched.length; a++) {
            if (positive ? matched[a] >= 0 : matched[a] == BACKGROUND) {
                out[n++] = a;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Assignment{anchors=" + matched.length + ", gts=" + numGt + ", positive=" + numPositive + ", ignored="
                + numIgnored + ", background=" + numBackground() + '}';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Assignment x && numGt == x.numGt && Arrays.equals(matched, x.matched) && Arrays.equals(maxIou, x.maxIou);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(matched) + numGt;
    }
}
