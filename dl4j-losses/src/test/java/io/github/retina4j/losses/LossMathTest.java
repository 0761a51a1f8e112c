package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class LossMathTest {

    /** softplus is finite and accurate where ND4J's own softPlus overflows (float, |z| ≳ 89). */
    @Test
    void softplusIsStableInFloatAndDouble() {
        double[] zs = {-100, -35, -1e-3, 0, 1e-3, 35, 88, 89, 90, 100};
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray z = Nd4j.createFromArray(zs).castTo(dt);
            double[] sp = LossMath.softplusi(z.dup()).castTo(DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < zs.length; i++) {
                double expected = Math.max(zs[i], 0) + Math.log1p(Math.exp(-Math.abs(zs[i])));
                double tol = dt == DataType.FLOAT ? 1e-6 : 1e-15;
                assertEquals(expected, sp[i], tol * Math.max(1, Math.abs(expected)), dt + " z=" + zs[i]);
                // far negative tail: ND4J's Log1p evaluates log(1 + u), so the term is accurate to machine
                // epsilon in absolute terms only (documented in LossMath.softplusi)
                assertTrue(sp[i] >= 0 && sp[i] <= expected + (dt == DataType.FLOAT ? 1.2e-7 : 2.3e-16), dt + " z=" + zs[i]);
            }
        }
        // the reason for this helper: ND4J's softPlus in float overflows
        double nd4j = Transforms.softPlus(Nd4j.createFromArray(100f), true).getDouble(0);
        assertTrue(Double.isInfinite(nd4j) || Math.abs(nd4j - 100) < 1e-3,
                "documents ND4J softPlus(100f) = " + nd4j + " (DESIGN §10.6: ∞ in M2.1)");
    }

    @Test
    void masksOfBothShapesBroadcast() {
        INDArray arr = Nd4j.ones(DataType.DOUBLE, 3, 2);
        INDArray col = Nd4j.createFromArray(new double[][]{{1}, {0}, {1}});
        assertArrayEquals(new double[]{1, 1, 0, 0, 1, 1}, LossMath.applyMask(arr.dup(), col).reshape(6).toDoubleVector());
        INDArray elem = Nd4j.createFromArray(new double[][]{{1, 0}, {0, 1}, {1, 1}});
        assertArrayEquals(new double[]{1, 0, 0, 1, 1, 1}, LossMath.applyMask(arr.dup(), elem).reshape(6).toDoubleVector());
        assertSame(arr, LossMath.applyMask(arr, null));
    }

    @Test
    void positiveRowsIgnoreMaskedLabelsAndZIsAtLeastOne() {
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1}, {1, 0}, {0, 0}, {0, 1}});
        INDArray col = Nd4j.createFromArray(new double[][]{{1}, {0}, {1}, {1}});
        assertEquals(3.0, LossMath.countPositiveRows(y, null));
        assertEquals(2.0, LossMath.countPositiveRows(y, col), "an ignored anchor with a label does not count");
        INDArray elem = Nd4j.createFromArray(new double[][]{{1, 0}, {1, 1}, {1, 1}, {1, 1}});
        assertEquals(2.0, LossMath.countPositiveRows(y, elem), "label on an ignored element does not count");
        assertEquals(3.0, LossMath.countUsedRows(col, 4));
        assertEquals(4.0, LossMath.countUsedRows(elem, 4));
        assertEquals(1.0, LossMath.normalizer(0));
        assertEquals(5.0, LossMath.normalizer(5));
    }

    @Test
    void shapeChecksNameTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LossMath.checkShapes("X", Nd4j.zeros(3, 2), Nd4j.zeros(4, 2), null, 2));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LossMath.checkShapes("X", Nd4j.zeros(4, 2), Nd4j.zeros(4, 2), Nd4j.zeros(4, 3), 2));
        assertTrue(e.getMessage().contains("mask shape [4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LossMath.checkShapes("X", Nd4j.zeros(2, 4, 2), Nd4j.zeros(2, 4, 2), null, 2));
        assertTrue(e.getMessage().contains("2D"), e.getMessage());
    }
}
