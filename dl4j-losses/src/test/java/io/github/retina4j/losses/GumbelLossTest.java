package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class GumbelLossTest {

    /** BCE of one element with p = exp(−exp(−x)), written with the plain logarithms. */
    private static double bce(double x, double y) {
        double p = Math.exp(-Math.exp(-x));
        return -y * Math.log(p) - (1 - y) * Math.log(1 - p);
    }

    @Test
    void handComputedSmallCase() {
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1}, {0, 0}, {1, 0}});
        INDArray x = Nd4j.createFromArray(new double[][]{{0.0, -0.7}, {1.3, -2.5}, {2.0, 3.0}});
        INDArray mask = Nd4j.createFromArray(new double[][]{{1}, {1}, {0}});     // row 2 ignored: one positive row left
        GumbelLoss loss = new GumbelLoss();
        double expected = bce(0.0, 0) + bce(-0.7, 1) + bce(1.3, 0) + bce(-2.5, 0);
        assertEquals(expected, loss.computeScore(y, x, new ActivationIdentity(), mask, false), 1e-13);
        // at x = 0: p = 1/e, so −log(1 − p) = −log(1 − 1/e) and, for a positive, −log p = 1
        assertEquals(-Math.log(1 - Math.exp(-1)), bce(0, 0), 1e-15);
        assertEquals(1.0, bce(0, 1), 1e-15);
        INDArray g = loss.computeGradient(y, x, new ActivationIdentity(), mask);
        double h = 1e-6;
        double[][] xs = {{0.0, -0.7}, {1.3, -2.5}};
        double[][] ys = {{0, 1}, {0, 0}};
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                double fd = (bce(xs[r][c] + h, ys[r][c]) - bce(xs[r][c] - h, ys[r][c])) / (2 * h);
                assertEquals(fd, g.getDouble(r, c), 1e-8, "row " + r + " class " + c);
            }
        }
        assertEquals(0.0, g.getDouble(2, 0), 0.0);
        // closed forms: −e^{−x} for a positive, u·e^{−u}/(1 − e^{−u}) for a negative (u = e^{−x})
        assertEquals(-Math.exp(0.7), g.getDouble(0, 1), 1e-12);
        double u = Math.exp(-1.3);
        assertEquals(u * Math.exp(-u) / (1 - Math.exp(-u)), g.getDouble(1, 0), 1e-12);
    }

    /** As the authors' GumbelCE: logits clamped to [−4, 10], no gradient outside. */
    @Test
    void referenceClampAndItsSwitch() {
        INDArray y = Nd4j.createFromArray(new double[][]{{1, 0}});
        INDArray x = Nd4j.createFromArray(new double[][]{{-6.0, 12.0}});
        GumbelLoss clamped = new GumbelLoss();
        assertEquals(bce(-4, 1) + bce(10, 0), clamped.computeScore(y, x, new ActivationIdentity(), null, false), 1e-12);
        INDArray g = clamped.computeGradient(y, x, new ActivationIdentity(), null);
        assertEquals(0.0, g.getDouble(0, 0), 0.0);
        assertEquals(0.0, g.getDouble(0, 1), 0.0);
        GumbelLoss free = new GumbelLoss(false, GumbelLoss.DEFAULT_CLAMP_MIN, GumbelLoss.DEFAULT_CLAMP_MAX);
        assertEquals(Math.exp(6.0) + bce(12, 0), free.computeScore(y, x, new ActivationIdentity(), null, false), 1e-9);
        assertEquals(-Math.exp(6.0), free.computeGradient(y, x, new ActivationIdentity(), null).getDouble(0, 0), 1e-9);
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = randomOneHot(2, 4, 6, 3);
        assertTrue(gradientCheck(new GumbelLoss(), in, y, randomMask(5, 2, 6), 4));
        assertTrue(gradientCheck(new GumbelLoss(false, -4, 10), in, y, randomMask(6, 2, 4, 6), 4));
    }

    /** Stable in both tails: no cancellation in 1 − p for large x, no overflow of u·e^{−u} for very negative x. */
    @Test
    void finiteAndAccurateForExtremeLogits() {
        INDArray x = Nd4j.linspace(-100, 100, 201, DataType.DOUBLE).reshape(201, 1).repeat(1, 2);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 201, 2);
        y.getColumn(1).assign(1.0);
        GumbelLoss free = new GumbelLoss(false, -4, 10);
        for (GumbelLoss loss : new GumbelLoss[]{new GumbelLoss(), free}) {
            assertTrue(Double.isFinite(loss.computeScore(y, x, new ActivationIdentity(), null, false)), loss.name());
            INDArray g = loss.computeGradient(y, x, new ActivationIdentity(), null);
            assertTrue(Double.isFinite(g.amaxNumber().doubleValue()), loss.name());
        }
        // a negative at x = 40: −log(1 − p) = −log(1 − exp(−e^{−40})) ≈ 40 (a naive 1 − p rounds to 0 → ∞)
        INDArray one = Nd4j.createFromArray(new double[][]{{40.0}});
        double s = free.computeScore(Nd4j.zeros(DataType.DOUBLE, 1, 1), one, new ActivationIdentity(), null, false);
        assertEquals(40.0, s, 1e-12);
        assertEquals(1.0, free.computeGradient(Nd4j.zeros(DataType.DOUBLE, 1, 1), one, new ActivationIdentity(), null)
                .getDouble(0, 0), 1e-12);
        // float32 logits in the clamped default stay finite over [−100, 100]
        INDArray xf = x.castTo(DataType.FLOAT);
        INDArray yf = y.castTo(DataType.FLOAT);
        assertTrue(Double.isFinite(new GumbelLoss().computeScoreArray(yf, xf, new ActivationIdentity(), null)
                .sumNumber().doubleValue()));
    }

    @Test
    void rejectsBadParametersAndRoundTripsJson() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GumbelLoss(true, 3, 1));
        assertTrue(e.getMessage().contains("clampMin") && e.getMessage().contains("3.0"), e.getMessage());
        jsonRoundTrip(new GumbelLoss(), 4);
        jsonRoundTrip(new GumbelLoss(false, -6, 12), 4);
    }
}
