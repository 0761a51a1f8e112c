package io.github.retina4j.models.fpn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parity with torch's {@code F.adaptive_max_pool2d(x, (h, w))} and its gradient (first maximum of each window in
 * row-major order, also with many ties). Fixture {@code resize_ops.json}: generation described in
 * {@link NearestResizeTest}.
 */
class AdaptiveMaxPoolTest {

    @AfterEach
    void restorePaths() {
        AdaptiveMaxPool.disjointBlockPath = true;
    }

    @ParameterizedTest(name = "disjoint-block path {0}")
    @ValueSource(booleans = {true, false})
    void matchesTorchForwardAndGradient(boolean disjointBlockPath) {
        AdaptiveMaxPool.disjointBlockPath = disjointBlockPath;
        TorchFixture.assertMatchesResizeCases(AdaptiveMaxPool.INSTANCE, "adaptiveMax");
    }

    @Test
    void windowsCoverTheAxisAndOverlapByAtMostOne() {
        for (int in = 1; in <= 40; in++) {
            for (int out = 1; out <= 40; out++) {
                assertEquals(0, AdaptiveMaxPool.windowStart(0, in, out));
                assertEquals(in, AdaptiveMaxPool.windowEnd(out - 1, in, out));
                for (int i = 0; i < out; i++) {
                    int s = AdaptiveMaxPool.windowStart(i, in, out), e = AdaptiveMaxPool.windowEnd(i, in, out);
                    assertTrue(s < e && e <= in, in + "->" + out + " window " + i);
                    if (i > 0) {
                        int prevEnd = AdaptiveMaxPool.windowEnd(i - 1, in, out);
                        assertTrue(s <= prevEnd && s >= prevEnd - 1, in + "->" + out + " window " + i);
                    }
                }
            }
        }
        // 50 → 13 (P4 → P6 at 800×1344): floor(i·50/13), ceil((i+1)·50/13)
        assertEquals(3, AdaptiveMaxPool.windowStart(1, 50, 13));
        assertEquals(8, AdaptiveMaxPool.windowEnd(1, 50, 13));
    }

    @Test
    void gradientOfEachOutputGoesToExactlyOneInput() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 7, 9);
        INDArray g = Nd4j.ones(DataType.DOUBLE, 2, 3, 3, 4);
        INDArray gradIn = Nd4j.create(DataType.DOUBLE, x.shape());
        AdaptiveMaxPool.INSTANCE.backward(x, g, gradIn);
        assertEquals(2 * 3 * 3 * 4, gradIn.sumNumber().doubleValue(), 1e-12);
        // and only to elements equal to some output
        INDArray out = Nd4j.create(DataType.DOUBLE, 2, 3, 3, 4);
        AdaptiveMaxPool.INSTANCE.forward(x, out);
        assertEquals(out.sumNumber().doubleValue(), x.mul(gradIn).sumNumber().doubleValue(), 1e-12);
    }

    /** torch's loop: the maximum starts at −∞ and moves to any later element that is greater or NaN. */
    @Test
    void aNanWinsItsWindowAsInTorch() {
        INDArray x = Nd4j.createFromArray(new double[] {1, Double.NaN, 3, 4, 9, 6, 7, 8, Double.NaN}).reshape(1, 1, 3, 3);
        INDArray out = Nd4j.create(DataType.DOUBLE, 1, 1, 2, 2); // windows rows/cols [0, 2) and [1, 3): they overlap
        AdaptiveMaxPool.INSTANCE.forward(x, out);
        assertTrue(Double.isNaN(out.getDouble(0, 0, 0, 0)) && Double.isNaN(out.getDouble(0, 0, 0, 1)));
        assertEquals(9.0, out.getDouble(0, 0, 1, 0));
        assertTrue(Double.isNaN(out.getDouble(0, 0, 1, 1)));
        INDArray gradIn = Nd4j.create(DataType.DOUBLE, x.shape());
        AdaptiveMaxPool.INSTANCE.backward(x, Nd4j.createFromArray(1.0, 10.0, 100.0, 1000.0).reshape(1, 1, 2, 2), gradIn);
        assertArrayEquals(new double[] {0, 11, 0, 0, 100, 0, 0, 0, 1000}, gradIn.data().asDouble(), 0.0);
    }

    @Test
    void floatGivesTheDoubleResults() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 50, 84);
        INDArray g = Nd4j.rand(DataType.DOUBLE, 2, 3, 13, 21);
        INDArray out = Nd4j.create(DataType.DOUBLE, g.shape());
        INDArray outF = Nd4j.create(DataType.FLOAT, g.shape());
        AdaptiveMaxPool.INSTANCE.forward(x, out);
        AdaptiveMaxPool.INSTANCE.forward(x.castTo(DataType.FLOAT), outF);
        assertEquals(out.castTo(DataType.FLOAT), outF);
        INDArray gradIn = Nd4j.create(DataType.DOUBLE, x.shape());
        INDArray gradInF = Nd4j.create(DataType.FLOAT, x.shape());
        AdaptiveMaxPool.INSTANCE.backward(x, g, gradIn);
        AdaptiveMaxPool.INSTANCE.backward(x.castTo(DataType.FLOAT), g.castTo(DataType.FLOAT), gradInF);
        assertTrue(gradIn.castTo(DataType.FLOAT).equalsWithEps(gradInF, 1e-6));
    }
}
