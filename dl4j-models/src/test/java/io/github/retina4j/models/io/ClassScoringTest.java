package io.github.retina4j.models.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassScoringTest {

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Two classes, three anchors: logits of class c at c·3 + a. */
    private static float[] run(ClassScoring s, float[] logits) {
        float[] out = new float[logits.length];
        s.scores(logits, 2, 3, out);
        return out;
    }

    private static final float[] LOGITS = {-2f, 0f, 1.5f, -0.5f, 3f, -4f};

    @Test
    void norcalOnSigmoidIsTheSigmoidOfTheLogitShiftedByGammaLogCount() {
        double[] counts = {100, 4};
        double gamma = 0.5;
        ClassScoring s = new ClassScoring(ClassScoring.Activation.SIGMOID, null, counts,
                new ClassScoring.NorCal(gamma, true));
        float[] out = run(s, LOGITS);
        for (int c = 0; c < 2; c++) {
            for (int a = 0; a < 3; a++) {
                double x = LOGITS[c * 3 + a];
                // (p / n^γ) / (p / n^γ + 1 − p) = σ(x − γ·ln n)
                assertEquals(sigmoid(x - gamma * Math.log(counts[c])), out[c * 3 + a], 1e-7, "class " + c + " anchor " + a);
            }
        }
        // hand value: class 0, x = 0, n = 100, γ = 0.5 → (0.5/10) / (0.5/10 + 0.5) = 1/11
        assertEquals(1.0 / 11, out[1], 1e-7);
    }

    @Test
    void norcalWithoutRenormalisationDividesTheScoreByNToTheGamma() {
        ClassScoring s = new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[]{16, 1},
                new ClassScoring.NorCal(0.5, false));
        float[] out = run(s, LOGITS);
        assertEquals(0.5 / 4, out[1], 1e-7);                      // σ(0) / 16^0.5
        assertEquals(sigmoid(3), out[4], 1e-7);                   // n = 1: unchanged
    }

    @Test
    void gammaZeroAndAClassWithoutImagesChangeNothingOrCountAsOne() {
        ClassScoring zero = new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[]{500, 2},
                new ClassScoring.NorCal(0, true));
        ClassScoring none = new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[]{0, 1},
                new ClassScoring.NorCal(1.0, true));
        float[] plain = run(ClassScoring.sigmoid(), LOGITS);
        assertArrayEquals(plain, run(zero, LOGITS), 1e-7f);
        assertArrayEquals(plain, run(none, LOGITS), 1e-7f);
    }

    @Test
    void gumbelActivationAndLogitWeights() {
        ClassScoring gumbel = new ClassScoring(ClassScoring.Activation.GUMBEL, new double[]{2, 0.5}, null, null);
        float[] out = run(gumbel, LOGITS);
        for (int c = 0; c < 2; c++) {
            for (int a = 0; a < 3; a++) {
                double x = (c == 0 ? 2 : 0.5) * LOGITS[c * 3 + a];
                assertEquals(Math.exp(-Math.exp(-x)), out[c * 3 + a], 1e-7);
            }
        }
        assertEquals(Math.exp(-1), out[1], 1e-7);  // G(0) = 1/e
        // NorCal on Gumbel probabilities: class part / n^γ against its own background 1 − p
        ClassScoring cal = gumbel.withTrainImageCounts(new double[]{9, 1}).withNorCal(new ClassScoring.NorCal(0.5, true));
        double p = Math.exp(-1);
        assertEquals((p / 3) / (p / 3 + 1 - p), run(cal, LOGITS)[1], 1e-7);
    }

    @Test
    void activationsAreAccurateInBothTailsAndInvertThePrior() {
        double[] g = ClassScoring.Activation.GUMBEL.probabilities(40);
        assertEquals(-Math.expm1(-Math.exp(-40)), g[1], 0);       // 1 − p without cancellation (≈ 4.2e-18)
        assertTrue(g[1] > 0);
        double[] sg = ClassScoring.Activation.SIGMOID.probabilities(-50);
        assertTrue(sg[0] > 0 && sg[1] == 1.0);
        assertEquals(0.01, ClassScoring.Activation.GUMBEL.probabilities(ClassScoring.Activation.GUMBEL.logitOf(0.01))[0], 1e-15);
        assertEquals(-Math.log(99), ClassScoring.Activation.SIGMOID.logitOf(0.01), 1e-12);
        assertEquals(-Math.log(-Math.log(0.01)), ClassScoring.Activation.GUMBEL.logitOf(0.01), 1e-15);
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassScoring(ClassScoring.Activation.SIGMOID, null, null, new ClassScoring.NorCal(1, true)));
        assertTrue(e.getMessage().contains("training image count"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ClassScoring.NorCal(-0.5, true));
        assertTrue(e.getMessage().contains("-0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[]{3, -1}, null));
        assertTrue(e.getMessage().contains("class 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassScoring.Activation.named("softmax"));
        assertTrue(e.getMessage().contains("softmax"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ClassScoring(ClassScoring.Activation.SIGMOID, new double[]{1}, null, null).checkClasses(2, "m"));
        assertNotEquals(ClassScoring.sigmoid(), ClassScoring.sigmoid().withTrainImageCounts(new double[]{1}));
    }

    /**
     * logitInterval inverts the score: a logit whose score clearly exceeds the bound lies inside, one clearly below
     * outside, for every activation, weight sign (and 0) and NorCal form; the gathered weights and factors reproduce
     * the array scores bit for bit.
     */
    @Test
    void logitIntervalHoldsExactlyTheLogitsScoringAboveTheBound() {
        double[] weights = {1.5, -0.7, 0, 1};
        double[] counts = {400, 1, 0, 30};
        java.util.Random rnd = new java.util.Random(4);
        for (ClassScoring.Activation act : ClassScoring.Activation.values()) {
            for (ClassScoring.NorCal norcal : new ClassScoring.NorCal[] {null, new ClassScoring.NorCal(0.5, true),
                new ClassScoring.NorCal(0.8, false)}) {
                ClassScoring s = new ClassScoring(act, weights, counts, norcal);
                double[][] wk = s.classWeightsAndFactors(4);
                float[] logits = new float[4 * 200];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) (12 * rnd.nextGaussian());
                }
                float[] all = new float[logits.length];
                s.scores(logits, 4, 200, all);
                for (double bound : new double[] {0.05, 0.0001, 0.5, 0.97}) {
                    for (int c = 0; c < 4; c++) {
                        double[] range = s.logitInterval(c, bound);
                        for (int a = 0; a < 200; a++) {
                            float x = logits[c * 200 + a];
                            double score = s.score(wk[0][c] * x, wk[1][c]);
                            assertEquals(all[c * 200 + a], (float) score, 0, "gathered score of class " + c);
                            boolean inside = x > range[0] && x < range[1];
                            if (score > bound * (1 + 1e-9)) {
                                assertTrue(inside, s + ", class " + c + ", x " + x + ", score " + score + " > " + bound);
                            } else if (score < bound * (1 - 1e-9)) {
                                assertTrue(!inside || wk[0][c] == 0, s + ", class " + c + ", x " + x + ", score " + score);
                            }
                        }
                    }
                }
            }
        }
    }
}
