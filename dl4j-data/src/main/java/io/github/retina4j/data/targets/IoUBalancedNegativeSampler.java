package io.github.retina4j.data.targets;

import java.util.Arrays;
import java.util.Random;

/**
 * IoU-balanced negative sampling (Libra R-CNN, Pang et al. 2019, §3.1 eq. (2); port of mmdetection
 * {@code IoUBalancedNegSampler}): the IoU range {@code [lo, maxIou)} is split into K equal bins ({@code maxIou} = the
 * largest best-IoU over all anchors of the image, a positive's), {@code int(N/K)} negatives are drawn uniformly from each
 * bin (the whole bin if smaller), and the shortfall is filled uniformly from the remaining sampling set S. Negatives
 * outside S (the "floor" set) only fill what is still missing.
 *
 * <p>Which negatives form S and where the bins start are explicit here, because mmdetection's behaviour depends on call
 * history: with its Libra config ({@code floor_thr = −1}) the first call of a sampler object bins all negatives from 0,
 * and then sets {@code self.floor_thr = 0}, so every later call bins only IoU &gt; 0 negatives and uses the IoU = 0
 * ones as the floor set. {@link #libra()} is the intended algorithm (= mmdetection's first call);
 * {@link #mmdetectionSteadyState()} reproduces every later call; {@link #legacyBinsFromMinusOne()} old mmdetection.
 *
 * @param numBins        K (3)
 * @param floorThreshold mmdetection {@code floor_thr}: &gt; 0: S = IoU ≥ thr, floor = 0 ≤ IoU &lt; thr; = 0: S = IoU &gt;
 *                       0, floor = IoU == 0; &lt; 0: S = IoU &gt; thr, no floor set
 * @param floorFraction  fraction of N reserved for the floor set ({@code floor_fraction}, 0)
 * @param binLowerBound  lo, the lower edge of the first bin
 */
public record IoUBalancedNegativeSampler(int numBins, double floorThreshold, double floorFraction, double binLowerBound)
        implements NegativeSampler {

    /** Libra R-CNN §3.1: K = 3 bins by default. */
    public static final int LIBRA_NUM_BINS = 3;

    public IoUBalancedNegativeSampler {
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins must be >= 1, got " + numBins);
        }
        if (!(floorFraction >= 0 && floorFraction <= 1)) {
            throw new IllegalArgumentException("floorFraction must be in [0, 1], got " + floorFraction);
        }
        if (Double.isNaN(floorThreshold) || Double.isNaN(binLowerBound)) {
            throw new IllegalArgumentException("thresholds must not be NaN");
        }
    }

    /** Libra R-CNN as intended: all negatives in K = 3 bins starting at IoU 0 (mmdetection's first call). */
    public static IoUBalancedNegativeSampler libra() {
        return new IoUBalancedNegativeSampler(LIBRA_NUM_BINS, -1, 0, 0);
    }

    /** mmdetection Libra config after its first call: bins over IoU &gt; 0 negatives from 0, IoU = 0 negatives as floor. */
    public static IoUBalancedNegativeSampler mmdetectionSteadyState() {
        return new IoUBalancedNegativeSampler(LIBRA_NUM_BINS, 0, 0, 0);
    }

    /** Older mmdetection: bins from −1 (the first bin, [−1, ·), holds no IoU ≥ 0 negative when maxIou &lt; 2). */
    public static IoUBalancedNegativeSampler legacyBinsFromMinusOne() {
        return new IoUBalancedNegativeSampler(LIBRA_NUM_BINS, -1, 0, -1);
    }

    @Override
    public int[] sampleNegatives(int[] negatives, Assignment assignment, int numExpected, Random rng) {
        if (negatives.length <= numExpected) {
            return negatives.clone();
        }
        double[] iou = assignment.maxIou;
        int[] s = new int[negatives.length];
        int[] floor = new int[negatives.length];
        int ns = 0;
        int nf = 0;
        for (int a : negatives) {
            double v = iou[a];
            boolean inS;
            boolean inFloor;
            if (floorThreshold > 0) {
                inS = v >= floorThreshold;
                inFloor = v >= 0 && v < floorThreshold;
            } else if (floorThreshold == 0) {
                inS = v > 0;
                inFloor = v == 0;
            } else {
                inS = v > floorThreshold;
                inFloor = false;
            }
            if (inS) {
                s[ns++] = a;
            } else if (inFloor) {
                floor[nf++] = a;
            }
        }
        s = Arrays.copyOf(s, ns);
        floor = Arrays.copyOf(floor, nf);
        int numExpectedIou = (int) (numExpected * (1 - floorFraction));
        int[] iouSampled;
        if (ns > numExpectedIou) {
            iouSampled = numBins >= 2 ? sampleViaInterval(iou, s, numExpectedIou, rng) : RandomSampler.choose(s, numExpectedIou, rng);
        } else {
            iouSampled = s;
        }
        int numExpectedFloor = numExpected - iouSampled.length;
        int[] floorSampled = nf > numExpectedFloor ? RandomSampler.choose(floor, Math.max(0, numExpectedFloor), rng) : floor;
        int[] sampled = concat(floorSampled, iouSampled);
        if (sampled.length < numExpected) {
            sampled = concat(sampled, RandomSampler.choose(difference(negatives, sampled, assignment.numAnchors()),
                    numExpected - sampled.length, rng));
        }
        return sampled;
    }

    /** mmdetection {@code sample_via_interval}: K bins over [lo, maxIou), int(n/K) per bin, shortfall from the set. */
    private int[] sampleViaInterval(double[] iou, int[] set, int num, Random rng) {
        double maxIou = Double.NEGATIVE_INFINITY;
        for (double v : iou) {
            maxIou = Math.max(maxIou, v);
        }
        double interval = (maxIou - binLowerBound) / numBins;
        int per = (int) ((double) num / numBins);
        int[] sampled = new int[0];
        int[] bin = new int[set.length];
        for (int i = 0; i < numBins; i++) {
            double start = binLowerBound + i * interval;
            double end = binLowerBound + (i + 1) * interval;
            int nb = 0;
            for (int a : set) {
                if (iou[a] >= start && iou[a] < end) {
                    bin[nb++] = a;
                }
            }
            sampled = concat(sampled, RandomSampler.choose(Arrays.copyOf(bin, nb), per, rng));
        }
        if (sampled.length < num) {
            sampled = concat(sampled, RandomSampler.choose(difference(set, sampled, iou.length), num - sampled.length, rng));
        }
        return sampled;
    }

    private static int[] difference(int[] all, int[] remove, int numAnchors) {
        boolean[] gone = new boolean[numAnchors];
        for (int a : remove) {
            gone[a] = true;
        }
        int[] out = new int[all.length];
        int n = 0;
        for (int a : all) {
            if (!gone[a]) {
                out[n++] = a;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
