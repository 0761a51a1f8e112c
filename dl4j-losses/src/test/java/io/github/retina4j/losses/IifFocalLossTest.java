package io.github.retina4j.losses;

import io.github.retina4j.losses.InverseImageFrequency.Variant;
import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class IifFocalLossTest {

    private static final int[] COUNTS = {1, 2, 4};
    private static final int N = 8;

    /** Weights of n = (1, 2, 4) of N = 8 images, each variant written out by hand. */
    @Test
    void weightsOfASmallCountVector() {
        assertArrayEquals(new double[]{Math.log(8), Math.log(4), Math.log(2)},
                InverseImageFrequency.weights(Variant.RAW, COUNTS, N), 1e-15);
        assertArrayEquals(new double[]{Math.log(9 / 2.0) + 1, Math.log(3) + 1, Math.log(9 / 5.0) + 1},
                InverseImageFrequency.weights(Variant.SMOOTH, COUNTS, N), 1e-15);
        assertArrayEquals(new double[]{Math.log(7), Math.log(3), 0},
                InverseImageFrequency.weights(Variant.REL, COUNTS, N), 1e-15);
        assertArrayEquals(new double[]{3, 2, 1}, InverseImageFrequency.weights(Variant.BASE2, COUNTS, N), 1e-15);
        assertArrayEquals(new double[]{Math.log10(8), Math.log10(4), Math.log10(2)},
                InverseImageFrequency.weights(Variant.BASE10, COUNTS, N), 1e-15);
        // −Φ⁻¹(1/8), −Φ⁻¹(1/4), −Φ⁻¹(1/2): normal quantiles 1.15035, 0.67449, 0
        assertArrayEquals(new double[]{1.1503493803760079, 0.6744897501960817, 0},
                InverseImageFrequency.weights(Variant.NORMIT, COUNTS, N), 1e-12);
        assertArrayEquals(new double[]{-Math.log(-Math.log(7 / 8.0)), -Math.log(-Math.log(3 / 4.0)), -Math.log(Math.log(2))},
                InverseImageFrequency.weights(Variant.GOMBIT, COUNTS, N), 1e-14);
    }

    /**
     * Two rows of the authors' LVIS v1 weight file ({@code lvis_files/idf_1204.csv}: columns smooth, raw, prob, normit,
     * gombit, base2, base10 for classes with img_freq 64 and 364; N = 100170 training images).
     */
    @Test
    void matchesTheAuthorsLvisWeightFile() {
        double[][] rows = {
                {8.340246734689194, 7.355740938246138, 7.3551018202072465, 3.2209133650223976, 7.355421396246417,
                        10.612090973671634, 3.194557699790146},
                {6.614736651002339, 5.6174701539690695, 5.6138297130961465, 2.6843248606923056, 5.6156504857329494,
                        8.104296333472938, 2.439636290124977}};
        Variant[] order = {Variant.SMOOTH, Variant.RAW, Variant.named("prob"), Variant.NORMIT, Variant.GOMBIT,
                Variant.BASE2, Variant.BASE10};
        int[] counts = {64, 364};
        for (int v = 0; v < order.length; v++) {
            double[] w = InverseImageFrequency.weights(order[v], counts, 100170);
            for (int c = 0; c < 2; c++) {
                assertEquals(rows[c][v], w[c], 1e-12, order[v] + " class " + c);
            }
        }
    }

    @Test
    void badCountsAndNamesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InverseImageFrequency.weights(Variant.RAW, new int[]{3, 0}, 8));
        assertTrue(e.getMessage().contains("class 1") && e.getMessage().contains("0 training images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InverseImageFrequency.weights(Variant.REL, new int[]{8}, 8));
        assertTrue(e.getMessage().contains("no finite weight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Variant.named("idf"));
        assertTrue(e.getMessage().contains("'idf'"), e.getMessage());
    }

    /** The loss is the focal loss of the weighted logits; its gradient carries the weight once more (chain rule). */
    @Test
    void isTheFocalLossOfWeightedLogits() {
        double[] w = InverseImageFrequency.weights(Variant.RAW, COUNTS, N);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 12, 3).subi(0.5).muli(6);
        INDArray y = to2d(randomOneHot(2, 3, 6, 11));
        INDArray mask = maskColumn(randomMask(4, 2, 6));
        INDArray wx = x.mulRowVector(Nd4j.createFromArray(w).reshape(1, 3));
        SigmoidFocalLoss fl = new SigmoidFocalLoss();
        IifFocalLoss iif = new IifFocalLoss(w);
        assertClose(fl.computeScore(y, wx, new ActivationIdentity(), mask, false),
                iif.computeScore(y, x, new ActivationIdentity(), mask, false), 1e-12, "score");
        INDArray expected = fl.computeGradient(y, wx, new ActivationIdentity(), mask)
                .mulRowVector(Nd4j.createFromArray(w).reshape(1, 3));
        assertArrayClose(expected, iif.computeGradient(y, x, new ActivationIdentity(), mask), 1e-12, "gradient");
        // unit weights: exactly the focal loss
        assertEquals(fl.computeScore(y, x, new ActivationIdentity(), mask, false),
                new IifFocalLoss(new double[]{1, 1, 1}).computeScore(y, x, new ActivationIdentity(), mask, false), 1e-12);
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        double[] w = InverseImageFrequency.weights(Variant.SMOOTH, new int[]{1, 3, 10, 40}, 50);
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(2);
        INDArray y = randomOneHot(2, 4, 6, 3);
        assertTrue(gradientCheck(new IifFocalLoss(w), in, y, randomMask(5, 2, 6), 4));
        assertTrue(gradientCheck(new IifFocalLoss(w, 0.4, 1.0), in, y, randomMask(6, 2, 4, 6), 4));
    }

    @Test
    void rejectsAClassCountMismatchAndRoundTripsJson() {
        IifFocalLoss loss = new IifFocalLoss(new double[]{1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.computeScore(Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.zeros(DataType.DOUBLE, 2, 3),
                        new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("2 class weights") && e.getMessage().contains("3 classes"), e.getMessage());
        jsonRoundTrip(new IifFocalLoss(InverseImageFrequency.weights(Variant.RAW, new int[]{1, 2, 4, 8}, 8)), 4);
    }
}
