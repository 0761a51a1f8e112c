package io.github.retina4j.data.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class RepeatFactorSamplerTest {
    private static final double[] R = {1.0, 2.0, 1.5, 3.25, 0.4, 1.0};

    @Test
    void stochasticRoundingPerEpochConvergesToTheRepeatFactors() {
        RepeatFactorSampler s = new RepeatFactorSampler(R, 17);
        int epochs = 4000;
        double[] mean = new double[R.length];
        for (int e = 0; e < epochs; e++) {
            int[] counts = new int[R.length];
            for (int i : s.epochOrder(e)) {
                counts[i]++;
            }
            for (int i = 0; i < R.length; i++) {
                // every epoch: floor(r) or ceil(r) copies
                assertTrue(counts[i] == Math.floor(R[i]) || counts[i] == Math.ceil(R[i]), "image " + i + ": " + counts[i]);
                mean[i] += counts[i] / (double) epochs;
            }
        }
        for (int i = 0; i < R.length; i++) {
            // Bernoulli(frac) mean over 4000 epochs: std <= 0.5/sqrt(4000) = 0.008; allow 4 std
            assertEquals(R[i], mean[i], 0.032, "image " + i);
        }
        assertEquals(Arrays.stream(R).sum(), s.expectedEpochSize(), 1e-12);
    }

    @Test
    void deterministicPerSeedAndEpochAndShuffled() {
        RepeatFactorSampler a = new RepeatFactorSampler(R, 5);
        RepeatFactorSampler b = new RepeatFactorSampler(R, 5);
        assertArrayEquals(a.epochOrder(3), b.epochOrder(3)); // resumable: epoch 3 without epochs 0..2
        assertFalse(Arrays.equals(a.epochOrder(0), a.epochOrder(1)));
        assertFalse(Arrays.equals(a.epochOrder(0), new RepeatFactorSampler(R, 6).epochOrder(0)));
        int[] o = a.epochOrder(0);
        int[] sorted = o.clone();
        Arrays.sort(sorted);
        assertFalse(Arrays.equals(o, sorted), "epoch order is shuffled");
    }

    @Test
    void badInput() {
        assertThrows(IllegalArgumentException.class, () -> new RepeatFactorSampler(new double[0], 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RepeatFactorSampler(new double[] {1, Double.NaN}, 1));
        assertTrue(e.getMessage().contains("image 1"));
        assertThrows(IllegalArgumentException.class, () -> new RepeatFactorSampler(new double[] {-1}, 1));
    }

    @Test
    void overADatasetRareImagesAreRepeated() {
        // hand-built dataset of RepeatFactorsTest: t = 0.5 -> images 0 and 8 get sqrt(2.5) = 1.58
        RepeatFactorSampler s = RepeatFactorSampler.of(RepeatFactorsTest.tenImages(), 0.5, 1);
        double r2 = Math.sqrt(2.5);
        assertArrayEquals(new double[] {r2, 1, 1, 1, 1, 1, 1, 1, r2, 1}, s.repeatFactors(), 1e-15);
        int epochs = 3000;
        double c8 = 0;
        for (int e = 0; e < epochs; e++) {
            for (int i : s.epochOrder(e)) {
                c8 += i == 8 ? 1.0 / epochs : 0;
            }
        }
        assertEquals(r2, c8, 0.04);
    }
}
