package io.github.retina4j.data.targets;

import java.util.Arrays;
import java.util.Random;

/**
 * Uniform sampling without replacement (mmdetection {@code RandomSampler.random_choice}); usable for positives and
 * negatives. Combine with {@link CombinedSampler} for the "random, fixed positive fraction" baseline.
 */
public final class RandomSampler implements PositiveSampler, NegativeSampler {

    @Override
    public int[] samplePositives(int[] positives, Assignment assignment, int numExpected, Random rng) {
        return choose(positives, numExpected, rng);
    }

    @Override
    public int[] sampleNegatives(int[] negatives, Assignment assignment, int numExpected, Random rng) {
        return choose(negatives, numExpected, rng);
    }

    /** {@code k} distinct elements of {@code from} uniformly at random (all of them if there are at most k). */
    public static int[] choose(int[] from, int k, Random rng) {
        if (k < 0) {
            throw new IllegalArgumentException("number to sample must be >= 0, got " + k);
        }
        if (from.length <= k) {
            return from.clone();
        }
        // Partial Fisher–Yates: the first k entries become a uniform random k-subset.
        int[] a = from.clone();
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(a.length - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return Arrays.copyOf(a, k);
    }
}
