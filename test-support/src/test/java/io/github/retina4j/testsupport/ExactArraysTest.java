package io.github.retina4j.testsupport;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.opentest4j.AssertionFailedError;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

/** The exact comparison rejects what ND4J's {@code equals} lets through and names the first difference. */
class ExactArraysTest {

    @Test
    void oneUlpIsADifferenceThatNd4jEqualsIgnores() {
        INDArray a = Nd4j.createFromArray(new float[] {1f, 2f, 3f, 4f, 5f, 6f}).reshape(2, 3);
        INDArray b = a.dup();
        b.putScalar(1, 2, Math.nextUp(6f));
        assertEquals(a, b, "ND4J's equals accepts the ulp (this is why the exact assertion exists)");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> assertIdentical("x", a, b));
        assertTrue(e.getMessage().contains("1 of 6 elements differ") && e.getMessage().contains("[1, 2]"), e.getMessage());
        assertIdentical("same values", a, a.dup());
    }

    @Test
    void viewsAreComparedElementByElementInLogicalOrder() {
        INDArray m = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(3, 4);
        INDArray transposed = m.transpose();
        assertIdentical("transpose vs its copy", transposed.dup('c'), transposed);
        assertIdentical("f-order copy", m.dup('f'), m);
        INDArray column = m.getColumn(1);
        assertIdentical("column view", Nd4j.createFromArray(1.0, 5.0, 9.0), column);
        assertThrows(AssertionFailedError.class, () -> assertIdentical("other column", Nd4j.createFromArray(1.0, 5.0, 9.0),
                m.getColumn(2)));
    }

    @Test
    void nanEqualsNanSignedZerosDifferAndShapeAndTypeMustMatch() {
        assertIdentical("NaN", Nd4j.createFromArray(Double.NaN, 1.0), Nd4j.createFromArray(Double.NaN, 1.0));
        assertThrows(AssertionFailedError.class,
                () -> assertIdentical("signed zero", Nd4j.createFromArray(0.0), Nd4j.createFromArray(-0.0)));
        assertThrows(AssertionFailedError.class,
                () -> assertIdentical("type", Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1f, 2f)));
        assertThrows(AssertionFailedError.class,
                () -> assertIdentical("shape", Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1.0, 2.0).reshape(1, 2)));
        assertThrows(AssertionFailedError.class,
                () -> assertIdentical("ints", Nd4j.createFromArray(1L, 2L), Nd4j.createFromArray(1L, 3L)));
        assertIdentical("nulls", null, null);
        assertThrows(AssertionFailedError.class, () -> assertIdentical("null", null, Nd4j.createFromArray(1.0)));
    }
}
