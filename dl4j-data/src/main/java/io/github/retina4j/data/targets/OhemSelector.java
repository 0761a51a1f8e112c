package io.github.retina4j.data.targets;

import java.util.Arrays;

/**
 * Online hard example mining (Shrivastava et al. 2016, §3; mmdetection {@code OHEMSampler} semantics): among an image's
 * positives take the {@code int(num·positiveFraction)} with the highest loss, then fill up to {@code num} with the
 * highest-loss negatives. Ignored anchors are never chosen. Deterministic: equal losses are broken by the lower anchor
 * index.
 *
 * @param num              anchors per image
 * @param positiveFraction upper bound on the fraction of positives
 */
public record OhemSelector(int num, double positiveFraction) {

    public OhemSelector {
        if (num <= 0) {
            throw new IllegalArgumentException("num must be > 0, got " + num);
        }
        if (!(positiveFraction >= 0 && positiveFraction <= 1)) {
            throw new IllegalArgumentException("positiveFraction must be in [0, 1], got " + positiveFraction);
        }
    }

    /**
     * @param assignment   the image's assignment
     * @param lossPerAnchor per-anchor loss (e.g. classification + regression) of the current predictions, length A
     */
    public SampledAnchors select(Assignment assignment, double[] lossPerAnchor) {
        if (lossPerAnchor.length != assignment.numAnchors()) {
            throw new IllegalArgumentException("loss has " + lossPerAnchor.length + " anchors, assignment has " + assignment.numAnchors());
        }
        for (int a = 0; a < lossPerAnchor.length; a++) {
            if (Double.isNaN(lossPerAnchor[a])) {
                throw new IllegalArgumentException("loss of anchor " + a + " is NaN");
            }
        }
        int[] pos = hardest(assignment.positiveIndices(), lossPerAnchor, (int) (num * positiveFraction));
        int[] neg = hardest(assignment.negativeIndices(), lossPerAnchor, num - pos.length);
        return new SampledAnchors(pos, neg);
    }

    /** The {@code k} indices with the largest loss (ties: lower index first). */
    static int[] hardest(int[] idx, double[] loss, int k) {
        if (idx.length <= k) {
            return idx.clone();
        }
        // Indices sorted by loss descending, ties by index; boxed sort is fine (called per image, not per anchor pair).
        Integer[] boxed = new Integer[idx.length];
        for (int i = 0; i < idx.length; i++) {
            boxed[i] = idx[i];
        }
        Arrays.sort(boxed, (x, y) -> {
            int c = Double.compare(loss[y], loss[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = boxed[i];
        }
        return out;
    }
}
