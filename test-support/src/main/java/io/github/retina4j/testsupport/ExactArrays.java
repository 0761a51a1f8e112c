package io.github.retina4j.testsupport;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Exact comparison of {@link INDArray}s for tests that claim identical results. JUnit's {@code assertEquals} on two
 * INDArrays goes through {@code INDArray.equals}, which accepts differences up to ND4J's epsilon; this assertion
 * accepts none: same shape, same data type and every element equal as JUnit compares doubles
 * ({@link Double#doubleToLongBits}: NaN equals NaN, 0.0 differs from −0.0).
 */
public final class ExactArrays {
    private ExactArrays() {
    }

    /** Fails, naming {@code what} and the first differing element, unless the two arrays are identical. */
    public static void assertIdentical(String what, INDArray expected, INDArray actual) {
        if (expected == null || actual == null) {
            if (expected != actual) {
                fail(what + ": expected " + (expected == null ? "null" : "an array") + ", got "
                        + (actual == null ? "null" : "an array"));
            }
            return;
        }
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            fail(what + ": shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
        }
        if (expected.dataType() != actual.dataType()) {
            fail(what + ": data type " + actual.dataType() + ", expected " + expected.dataType());
        }
        boolean floating = expected.dataType().isFPType();
        DataType as = floating ? DataType.DOUBLE : DataType.LONG;
        // a fresh c-order copy: its buffer holds exactly the elements, in row-major order
        INDArray e = expected.castTo(as).dup('c');
        INDArray a = actual.castTo(as).dup('c');
        long n = expected.length();
        int differing = 0;
        long first = -1;
        double maxAbsDiff = 0;
        if (floating) {
            double[] x = e.data().asDouble();
            double[] y = a.data().asDouble();
            for (int i = 0; i < n; i++) {
                if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
                    differing++;
                    first = first < 0 ? i : first;
                    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x[i] - y[i]));
                }
            }
            if (differing > 0) {
                fail(what + ": " + differing + " of " + n + " elements differ (max |diff| " + maxAbsDiff + "); first at "
                        + index(expected.shape(), first) + ": expected " + x[(int) first] + ", got " + y[(int) first]);
            }
        } else {
            long[] x = e.data().asLong();
            long[] y = a.data().asLong();
            for (int i = 0; i < n; i++) {
                if (x[i] != y[i]) {
                    differing++;
                    first = first < 0 ? i : first;
                }
            }
            if (differing > 0) {
                fail(what + ": " + differing + " of " + n + " elements differ; first at " + index(expected.shape(), first)
                        + ": expected " + x[(int) first] + ", got " + y[(int) first]);
            }
        }
    }

    /** The row-major multi-index of flat position {@code flat}. */
    private static String index(long[] shape, long flat) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }
}
