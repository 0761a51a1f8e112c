package io.github.retina4j.data.targets;

import java.util.Random;

/**
 * mmdetection {@code BaseSampler.sample} logic: take up to {@code int(num·positiveFraction)} positives with the positive
 * sampler, then fill the rest of {@code num} with the negative sampler, optionally capped at
 * {@code negPosUpperBound·max(1, #positives)} negatives.
 *
 * <p>Presets: {@link #random} (random, fixed positive fraction) and {@link #libra} (Libra R-CNN: instance-balanced
 * positives + IoU-balanced negatives).
 *
 * @param num              anchors per image
 * @param positiveFraction target fraction of positives
 * @param negPosUpperBound negatives ≤ this × positives; negative disables the cap
 */
public record CombinedSampler(int num, double positiveFraction, double negPosUpperBound, PositiveSampler positiveSampler,
                              NegativeSampler negativeSampler) implements AnchorSampler {

    /** Positive fraction of the R-CNN / Libra R-CNN sampled baselines (Fast R-CNN §2.3: 25 % foreground). */
    public static final double DEFAULT_POSITIVE_FRACTION = 0.25;

    public CombinedSampler {
        if (num <= 0) {
            throw new IllegalArgumentException("num must be > 0, got " + num);
        }
        if (!(positiveFraction >= 0 && positiveFraction <= 1)) {
            throw new IllegalArgumentException("positiveFraction must be in [0, 1], got " + positiveFraction);
        }
        if (positiveSampler == null || negativeSampler == null) {
            throw new IllegalArgumentException("samplers must be set");
        }
    }

    /** Random positives and negatives with a fixed positive fraction. */
    public static CombinedSampler random(int num, double positiveFraction) {
        RandomSampler r = new RandomSampler();
        return new CombinedSampler(num, positiveFraction, -1, r, r);
    }

    /** Libra R-CNN (Pang et al. 2019, §3.1): instance-balanced positives and IoU-balanced negatives (K = 3). */
    public static CombinedSampler libra(int num, double positiveFraction) {
        return new CombinedSampler(num, positiveFraction, -1, new InstanceBalancedPositiveSampler(),
                IoUBalancedNegativeSampler.libra());
    }

    @Override
    public SampledAnchors sample(Assignment assignment, Random rng) {
        int numExpectedPos = (int) (num * positiveFraction);
        int[] pos = positiveSampler.samplePositives(assignment.positiveIndices(), assignment, numExpectedPos, rng);
        int numExpectedNeg = num - pos.length;
        if (negPosUpperBound >= 0) {
            int bound = (int) (negPosUpperBound * Math.max(1, pos.length));
            numExpectedNeg = Math.min(numExpectedNeg, bound);
        }
        int[] neg = negativeSampler.sampleNegatives(assignment.negativeIndices(), assignment, numExpectedNeg, rng);
        return new SampledAnchors(pos, neg);
    }
}
