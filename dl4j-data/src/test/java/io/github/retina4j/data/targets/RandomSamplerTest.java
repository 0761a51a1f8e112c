package io.github.retina4j.data.targets;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomSamplerTest {

    /** Uniform without replacement: every element is chosen with probability k/n (z-test per element). */
    @Test
    void chooseIsUniformWithoutReplacementAndSeeded() {
        int n = 20, k = 5, trials = 20000;
        int[] from = new int[n];
        for (int i = 0; i < n; i++) {
            from[i] = 100 + i;
        }
        int[] hits = new int[n];
        Random rng = new Random(8);
        for (int t = 0; t < trials; t++) {
            int[] s = RandomSampler.choose(from, k, rng);
            assertEquals(k, s.length);
            boolean[] seen = new boolean[n];
            for (int v : s) {
                assertTrue(!seen[v - 100], "repeated element");
                seen[v - 100] = true;
                hits[v - 100]++;
            }
        }
        double p = (double) k / n;
        double sd = Math.sqrt(trials * p * (1 - p));
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(hits[i] - trials * p) < 4 * sd, "element " + i + " chosen " + hits[i] + " times");
        }
        assertArrayEquals(RandomSampler.choose(from, k, new Random(1)), RandomSampler.choose(from, k, new Random(1)));
        assertArrayEquals(from, RandomSampler.choose(from, 50, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> RandomSampler.choose(from, -1, new Random(1)));
    }
}
