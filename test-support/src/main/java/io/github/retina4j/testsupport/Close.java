package io.github.retina4j.testsupport;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Comparison with reference values as {@code reference/README.md} suggests: a scalar to a tolerance relative to
 * the reference, an array by its largest absolute difference relative to the reference's largest magnitude (not
 * element by element, which would be meaningless for elements near 0).
 */
public final class Close {

    private Close() {
    }

    /** |actual − expected| ≤ rel·|expected|. */
    public static void assertClose(double expected, double actual, double rel, String what) {
        assertEquals(expected, actual, rel * Math.abs(expected), what);
    }

    /** max|actual − expected| ≤ rel·max|expected|, equal lengths. */
    public static void assertArrayClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double diff = maxAbsDiff(expected, actual);
        double scale = maxAbs(expected);
        assertTrue(diff <= rel * scale, what + ": max abs diff " + diff + " > " + rel + " × " + scale);
    }

    /**
     * max|actual − expected| ≤ rel·max|expected| over equal shapes (or equal lengths: the expected array is then
     * read in row-major order in the actual shape).
     */
    public static void assertArrayClose(INDArray expected, INDArray actual, double rel, String what) {
        assertTrue(Arrays.equals(expected.shape(), actual.shape()) || expected.length() == actual.length(),
                what + ": shape " + Arrays.toString(actual.shape()) + " vs " + Arrays.toString(expected.shape()));
        INDArray e = expected.castTo(DataType.DOUBLE).reshape('c', actual.shape());
        double scale = e.amaxNumber().doubleValue();
        double diff = actual.castTo(DataType.DOUBLE).sub(e).amaxNumber().doubleValue();
        assertTrue(diff <= rel * Math.max(scale, 1e-300), what + ": max abs diff " + diff + " > " + rel + " × " + scale);
    }

    /** Largest absolute element-wise difference of two arrays of the same shape. */
    public static double maxAbsDiff(INDArray a, INDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new AssertionError("shapes differ: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** Largest absolute element-wise difference of two arrays of the same length. */
    public static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length, "length");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Largest magnitude. */
    public static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
