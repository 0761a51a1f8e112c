package io.github.retina4j.data.targets;

import java.util.Arrays;
import java.util.Random;

/**
 * Instance-balanced positive sampling (Libra R-CNN, Pang et al. 2019, §3.1; port of mmdetection
 * {@code InstanceBalancedPosSampler}): each ground truth contributes about the same number of positives,
 * {@code round(N/K) + 1} at most for K matched gts, the shortfall is filled at random from the rest and an excess is
 * cut at random to N.
 */
public final class InstanceBalancedPositiveSampler implements PositiveSampler {

    @Override
    public int[] samplePositives(int[] positives, Assignment assignment, int numExpected, Random rng) {
        if (positives.length <= numExpected) {
            return positives.clone();
        }
        // Positives grouped by their gt (gts in increasing index order, as torch.unique returns them).
        int numGt = assignment.numGt();
        int[] count = new int[numGt];
        for (int a : positives) {
            count[assignment.matched[a]]++;
        }
        int[][] byGt = new int[numGt][];
        int distinct = 0;
        for (int g = 0; g < numGt; g++) {
            byGt[g] = new int[count[g]];
            if (count[g] > 0) {
                distinct++;
            }
        }
        int[] fill = new int[numGt];
        for (int a : positives) {
            int g = assignment.matched[a];
            byGt[g][fill[g]++] = a;
        }
        // mmdetection: int(round(num_expected / num_gts) + 1), Python round = half to even.
        int perGt = (int) (Math.rint((double) numExpected / distinct) + 1);
        int[] sampled = new int[positives.length];
        int n = 0;
        boolean[] taken = new boolean[assignment.numAnchors()];
        for (int g = 0; g < numGt; g++) {
            if (count[g] == 0) {
                continue;
            }
            for (int a : RandomSampler.choose(byGt[g], perGt, rng)) {
                sampled[n++] = a;
                taken[a] = true;
            }
        }
        if (n < numExpected) {
            int[] rest = new int[positives.length - n];
            int r = 0;
            for (int a : positives) {
                if (!taken[a]) {
                    rest[r++] = a;
                }
            }
            for (int a : RandomSampler.choose(rest, numExpected - n, rng)) {
                sampled[n++] = a;
            }
            return Arrays.copyOf(sampled, n);
        }
        return RandomSampler.choose(Arrays.copyOf(sampled, n), numExpected, rng);
    }
}
