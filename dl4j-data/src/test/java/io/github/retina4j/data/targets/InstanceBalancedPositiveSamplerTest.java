package io.github.retina4j.data.targets;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceBalancedPositiveSamplerTest {

    /** gt 0 owns 300 positives, gt 1 owns 40, gt 2 owns 5, gt 3 owns none. */
    private static Assignment skewed() {
        int[] matched = new int[400];
        java.util.Arrays.fill(matched, Assignment.BACKGROUND);
        for (int i = 0; i < 300; i++) {
            matched[i] = 0;
        }
        for (int i = 300; i < 340; i++) {
            matched[i] = 1;
        }
        for (int i = 340; i < 345; i++) {
            matched[i] = 2;
        }
        return Assignment.of(matched, new double[400], 4);
    }

    @Test
    void positivesAreSpreadEvenlyOverGts() {
        Assignment a = skewed();
        InstanceBalancedPositiveSampler s = new InstanceBalancedPositiveSampler();
        Random rng = new Random(1);
        int num = 60; // per gt: round(60/3) + 1 = 21 -> gt0 21, gt1 21, gt2 5 = 47, 13 more at random from the rest
        for (int t = 0; t < 200; t++) {
            int[] picked = s.samplePositives(a.positiveIndices(), a, num, rng);
            assertEquals(num, picked.length);
            int[] perGt = new int[4];
            boolean[] seen = new boolean[400];
            for (int i : picked) {
                assertTrue(!seen[i] && a.matched(i) >= 0);
                seen[i] = true;
                perGt[a.matched(i)]++;
            }
            assertEquals(5, perGt[2], "small gt keeps all its positives");
            assertTrue(perGt[0] >= 21 && perGt[1] >= 21, java.util.Arrays.toString(perGt));
            assertEquals(num, perGt[0] + perGt[1] + perGt[2]);
        }
        // Compared to random sampling, which gives gt 1 about 60·40/345 ≈ 7.
        int[] rnd = RandomSampler.choose(a.positiveIndices(), num, new Random(1));
        int g1 = 0;
        for (int i : rnd) {
            g1 += a.matched(i) == 1 ? 1 : 0;
        }
        assertTrue(g1 < 21, "random sampling is not balanced: " + g1);
    }

    @Test
    void fewPositivesAreAllTakenAndExcessIsCut() {
        Assignment a = skewed();
        InstanceBalancedPositiveSampler s = new InstanceBalancedPositiveSampler();
        assertArrayEquals(a.positiveIndices(), s.samplePositives(a.positiveIndices(), a, 1000, new Random(2)));
        // num 4 with 3 gts: per gt round(4/3)+1 = 2 -> 6 candidates cut at random to 4.
        int[] picked = s.samplePositives(a.positiveIndices(), a, 4, new Random(2));
        assertEquals(4, picked.length);
    }
}
