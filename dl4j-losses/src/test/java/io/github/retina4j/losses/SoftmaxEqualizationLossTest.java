package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class SoftmaxEqualizationLossTest {

    private static INDArray oneHotRows(int rows, int c, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, c);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, r.nextInt(c), 1.0);
        }
        return y;
    }

    /** γ = 0 (β ≡ 0) or λ = 0 gives plain softmax cross-entropy (DL4J's LossMCXENT). */
    @Test
    void reducesToSoftmaxCrossEntropy() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 12, 5).subi(0.5).muli(6);
        INDArray y = oneHotRows(12, 5, 1);
        double[] f = {0.0001, 0.001, 0.01, 0.1, 0.5};
        double ce = new LossMCXENT().computeScore(y, x.dup(), new ActivationSoftmax(), null, false);
        INDArray gce = new LossMCXENT().computeGradient(y, x.dup(), new ActivationSoftmax(), null);
        for (SoftmaxEqualizationLoss l : new SoftmaxEqualizationLoss[]{
                new SoftmaxEqualizationLoss(0.05, f, 0.0, 1), new SoftmaxEqualizationLoss(0.0, f, 0.9, 1)}) {
            assertClose(ce, l.computeScore(y, x, new ActivationIdentity(), null, false), 1e-9, l.name());
            assertArrayClose(gce, l.computeGradient(y, x, new ActivationIdentity(), null), 1e-9, l.name());
        }
    }

    /** Hand-computed with β ≡ 1 (γ = 1): a tail class other than the target leaves the denominator. */
    @Test
    void handComputedWithBetaOne() {
        double[] f = {0.5, 0.001, 0.5};                       // λ = 0.01 → T = [0, 1, 0]
        SoftmaxEqualizationLoss l = new SoftmaxEqualizationLoss(0.01, f, 1.0, 7);
        INDArray x = Nd4j.createFromArray(new double[][]{{1.0, 2.0, 0.5}, {0.2, 0.3, -1.0}});
        INDArray y = Nd4j.createFromArray(new double[][]{{1, 0, 0}, {0, 1, 0}});
        double den0 = Math.exp(1.0) + Math.exp(0.5);           // class 1 removed (tail, not the target)
        double l0 = -1.0 + Math.log(den0);
        double den1 = Math.exp(0.2) + Math.exp(0.3) + Math.exp(-1.0);   // target is the tail class: all kept
        double l1 = -0.3 + Math.log(den1);
        assertEquals(l0 + l1, l.computeScore(y, x, new ActivationIdentity(), null, false), 1e-12);
        INDArray g = l.computeGradient(y, x, new ActivationIdentity(), null);
        assertEquals(Math.exp(1.0) / den0 - 1, g.getDouble(0, 0), 1e-12);
        assertEquals(0.0, g.getDouble(0, 1), 0.0);
        assertEquals(Math.exp(0.5) / den0, g.getDouble(0, 2), 1e-12);
        assertEquals(Math.exp(0.3) / den1 - 1, g.getDouble(1, 1), 1e-12);
        // row mask: masked row contributes nothing
        INDArray m = Nd4j.createFromArray(new double[][]{{1}, {0}});
        assertEquals(l0, l.computeScore(y, x, new ActivationIdentity(), m, false), 1e-12);
    }

    /** β ~ Bernoulli(γ): seeded, reproducible, right frequency, and the same draws for score and gradient of a step. */
    @Test
    void betaDrawsAreSeededWithTheRightFrequency() {
        SoftmaxEqualizationLoss a = new SoftmaxEqualizationLoss(0.01, new double[]{0.5, 0.001}, 0.3, 42);
        SoftmaxEqualizationLoss b = new SoftmaxEqualizationLoss(0.01, new double[]{0.5, 0.001}, 0.3, 42);
        double[] da = a.betas(5, 20000);
        assertArrayEquals(da, b.betas(5, 20000));
        double mean = java.util.Arrays.stream(da).average().orElse(0);
        assertEquals(0.3, mean, 4 * Math.sqrt(0.3 * 0.7 / 20000), "Bernoulli(γ) frequency");
        assertFalse(java.util.Arrays.equals(da, a.betas(6, 20000)), "a new step draws anew");

        INDArray x = Nd4j.rand(DataType.DOUBLE, 50, 2);
        INDArray y = oneHotRows(50, 2, 3);
        a.computeGradient(y, x, new ActivationIdentity(), null);
        assertEquals(1, a.getStep());
        double s1 = a.computeScore(y, x, new ActivationIdentity(), null, false);
        assertEquals(s1, a.computeScore(y, x, new ActivationIdentity(), null, false), 0.0, "scoring does not draw anew");
        assertEquals(1, a.getStep());
        assertEquals(a, jsonRoundTrip(a, 2), "seed and step survive JSON");
    }

    @Test
    void gradientCheckInGraph() {
        double[] f = {0.001, 0.5, 0.0005, 0.2};
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 2, 4, 6);
        java.util.Random r = new java.util.Random(4);
        for (int n = 0; n < 2; n++) {
            for (int a = 0; a < 6; a++) {
                y.putScalar(new long[]{n, r.nextInt(4), a}, 1.0);
            }
        }
        assertTrue(gradientCheck(new SoftmaxEqualizationLoss(0.01, f, 0.5, 3), in, y, randomMask(5, 2, 6), 4), "[N, A] mask");
        // per-element mask: a row counts as used when any of its entries is
        assertTrue(gradientCheck(new SoftmaxEqualizationLoss(0.01, f, 0.5, 3), in, y, randomMask(6, 2, 4, 6), 4), "[N, C, A] mask");
    }

    @Test
    void finiteForExtremeLogitsAndRejectsBadParameters() {
        INDArray x = Nd4j.createFromArray(new double[][]{{100, -100, 0}, {-100, 100, 35}});
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1, 0}, {1, 0, 0}});
        SoftmaxEqualizationLoss l = new SoftmaxEqualizationLoss(0.01, new double[]{0.5, 0.001, 0.2}, 1.0, 1);
        assertTrue(Double.isFinite(l.computeScore(y, x, new ActivationIdentity(), null, false)));
        assertTrue(Double.isFinite(l.computeGradient(y, x, new ActivationIdentity(), null).amaxNumber().doubleValue()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SoftmaxEqualizationLoss(0.01, new double[]{0.5}, 1.5, 1));
        assertTrue(e.getMessage().contains("gamma") && e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxEqualizationLoss(0.01, new double[]{0.5}, 0.5, 1)
                .computeScore(y, x, new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("numClasses"), e.getMessage());
    }
}
