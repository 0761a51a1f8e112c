package io.github.retina4j.data.targets;

import java.util.Arrays;

/**
 * Anchors chosen by an {@link AnchorSampler} for one image: positive and negative anchor indices (increasing, distinct).
 */
public record SampledAnchors(int[] positives, int[] negatives) {

    public SampledAnchors {
        positives = sortedCopy(positives);
        negatives = sortedCopy(negatives);
    }

    private static int[] sortedCopy(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    @Override
    public int[] positives() {
        return positives.clone();
    }

    @Override
    public int[] negatives() {
        return negatives.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampledAnchors s && Arrays.equals(positives, s.positives) && Arrays.equals(negatives, s.negatives);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(positives) + Arrays.hashCode(negatives);
    }

    @Override
    public String toString() {
        return "SampledAnchors{positives=" + positives.length + ", negatives=" + negatives.length + '}';
    }
}
