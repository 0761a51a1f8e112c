package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.EqualizationLoss.Normalization.POSITIVE_ANCHORS;
import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class EqualizationFocalLossTest {

    /** With no tail class (λ = 0) it is the focal loss; torchvision parity of that is in SigmoidFocalLossTest. */
    @Test
    void lambdaZeroIsFocalLoss() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 40, 5).subi(0.5).muli(8);
        INDArray y = to2d(randomOneHot(2, 5, 20, 31));
        INDArray mask = maskColumn(randomMask(32, 2, 20));
        double[] f = {0.0001, 0.001, 0.01, 0.1, 0.5};
        EqualizationFocalLoss eqlf = new EqualizationFocalLoss(0.0, f, POSITIVE_ANCHORS, false, 0.3, 1.5);
        SigmoidFocalLoss fl = new SigmoidFocalLoss(0.3, 1.5);
        assertClose(fl.computeScore(y, x, new ActivationIdentity(), mask, false),
                eqlf.computeScore(y, x, new ActivationIdentity(), mask, false), 1e-12, "score");
        assertArrayClose(fl.computeGradient(y, x, new ActivationIdentity(), mask),
                eqlf.computeGradient(y, x, new ActivationIdentity(), mask), 1e-12, "gradient");
    }

    /** Hand-computed: the EQL weight multiplies each element's focal loss; suppressed elements vanish. */
    @Test
    void handComputedSmallCase() {
        double[] f = {0.001, 0.5};                  // λ = 0.01 → class 0 is tail
        EqualizationFocalLoss loss = new EqualizationFocalLoss(0.01, f);
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1}, {0, 0}});
        INDArray x = Nd4j.createFromArray(new double[][]{{1.2, -0.4}, {0.7, -2.0}});
        // row 0 is foreground: its tail negative (class 0) gets w = 0; row 1 (background) keeps everything
        double a = 0.25;
        double expected = fl(-0.4, 1, a) + fl(0.7, 0, a) + fl(-2.0, 0, a);   // Z = 1 positive row
        assertEquals(expected, loss.computeScore(y, x, new ActivationIdentity(), null, false), 1e-14);
        INDArray g = loss.computeGradient(y, x, new ActivationIdentity(), null);
        assertEquals(0.0, g.getDouble(0, 0), 0.0);
        // finite-difference check of one surviving element
        double h = 1e-6;
        double gp = (fl(0.7 + h, 0, a) - fl(0.7 - h, 0, a)) / (2 * h);
        assertEquals(gp, g.getDouble(1, 0), 1e-8);
    }

    /** Plain-Java focal loss of one element (reference formula with σ and logs). */
    private static double fl(double x, int y, double alpha) {
        double p = 1 / (1 + Math.exp(-x));
        double pt = y == 1 ? p : 1 - p;
        double at = y == 1 ? alpha : 1 - alpha;
        return -at * (1 - pt) * (1 - pt) * Math.log(pt);
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        double[] f = {0.001, 0.5, 0.0005, 0.2};
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = randomOneHot(2, 4, 6, 3);
        assertTrue(gradientCheck(new EqualizationFocalLoss(0.01, f), in, y, randomMask(5, 2, 6), 4));
        assertTrue(gradientCheck(new EqualizationFocalLoss(0.01, f), in, y, randomMask(6, 2, 4, 6), 4));
    }

    @Test
    void finiteForExtremeLogits() {
        INDArray x = Nd4j.linspace(-100, 100, 201, DataType.DOUBLE).reshape(201, 1).repeat(1, 2);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 201, 2);
        y.getColumn(1).assign(1.0);
        EqualizationFocalLoss loss = new EqualizationFocalLoss(0.01, new double[]{0.001, 0.5});
        assertTrue(Double.isFinite(loss.computeScore(y, x, new ActivationIdentity(), null, false)));
        assertTrue(Double.isFinite(loss.computeGradient(y, x, new ActivationIdentity(), null).amaxNumber().doubleValue()));
    }

    @Test
    void rejectsBadParametersAndRoundTripsJson() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EqualizationFocalLoss(0.01, new double[]{0.1}, POSITIVE_ANCHORS, false, 0.25, -1));
        assertTrue(e.getMessage().contains("gamma") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new EqualizationFocalLoss(0.01, new double[]{0.1}, POSITIVE_ANCHORS, false, 2, 2));
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("2.0"), e.getMessage());
        jsonRoundTrip(new EqualizationFocalLoss(0.01, new double[]{0.001, 0.5, 0.01, 0.2}, POSITIVE_ANCHORS, false, 0.3, 1.0), 4);
    }
}
