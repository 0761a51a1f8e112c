package io.github.retina4j.data.sampling;

import java.util.SplittableRandom;

/** A fresh permutation of 0..n−1 every epoch, seeded by (seed, epoch). */
public record ShuffleSampler(int numImages, long seed) implements ImageSampler {
    public ShuffleSampler {
        if (numImages <= 0) {
            throw new IllegalArgumentException("sampler needs at least one image, got " + numImages);
        }
    }

    @Override
    public int[] epochOrder(int epoch) {
        int[] out = new SequentialSampler(numImages).epochOrder(epoch);
        shuffle(out, epochRandom(seed, epoch));
        return out;
    }

    /** Fisher–Yates shuffle in place. */
    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The random stream of one epoch: independent of how earlier epochs were consumed (resumable). */
    static SplittableRandom epochRandom(long seed, int epoch) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    }
}
