package io.github.retina4j.data.sampling;

import io.github.retina4j.coco.CocoDataset;

import java.util.SplittableRandom;

/**
 * Repeat factor sampling (LVIS paper §4.2; detectron2 {@code RepeatFactorTrainingSampler}): in every
 * epoch image i appears ⌊r_i⌋ times plus once more with probability r_i − ⌊r_i⌋ (stochastic rounding,
 * so the expected count is exactly r_i), then the epoch's list is shuffled. r_i comes from
 * {@link RepeatFactors} (t = 0.001 by default). Each epoch's order is a pure function of (seed, epoch),
 * so a run resumes at any (epoch, position).
 */
public final class RepeatFactorSampler implements ImageSampler {
    private final double[] repeatFactors;
    private final long seed;

    /** @param imageRepeatFactors r_i ≥ 0 per image, in dataset image order */
    public RepeatFactorSampler(double[] imageRepeatFactors, long seed) {
        if (imageRepeatFactors.length == 0) {
            throw new IllegalArgumentException("repeat factor sampler needs at least one image");
        }
        for (int i = 0; i < imageRepeatFactors.length; i++) {
            double r = imageRepeatFactors[i];
            if (!(r >= 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("repeat factor of image " + i + " is " + r + " (must be finite and >= 0)");
            }
        }
        this.repeatFactors = imageRepeatFactors.clone();
        this.seed = seed;
    }

    /** Sampler over a dataset with threshold t (LVIS default {@link RepeatFactors#DEFAULT_THRESHOLD}). */
    public static RepeatFactorSampler of(CocoDataset dataset, double threshold, long seed) {
        return new RepeatFactorSampler(RepeatFactors.imageRepeatFactors(dataset, threshold), seed);
    }

    /** r_i per image (a copy). */
    public double[] repeatFactors() {
        return repeatFactors.clone();
    }

    /** Expected epoch length Σ r_i. */
    public double expectedEpochSize() {
        double s = 0;
        for (double r : repeatFactors) {
            s += r;
        }
        return s;
    }

    @Override
    public int[] epochOrder(int epoch) {
        SplittableRandom rng = ShuffleSampler.epochRandom(seed, epoch);
        int[] counts = new int[repeatFactors.length];
        int total = 0;
        for (int i = 0; i < counts.length; i++) {
            double r = repeatFactors[i];
            int whole = (int) Math.floor(r);
            counts[i] = whole + (rng.nextDouble() < r - whole ? 1 : 0);
            total += counts[i];
        }
        int[] out = new int[total];
        int k = 0;
        for (int i = 0; i < counts.length; i++) {
            for (int c = 0; c < counts[i]; c++) {
                out[k++] = i;
            }
        }
        ShuffleSampler.shuffle(out, rng);
        return out;
    }
}
