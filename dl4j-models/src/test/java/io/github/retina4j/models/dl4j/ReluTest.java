package io.github.retina4j.models.dl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ReluTest {
    /** Below the parallel threshold with a scalar tail; above it with blocks that end off a vector boundary. */
    private static final long[][] SHAPES = {{37}, {2, 3, 101, 113}};

    /** Normal values with exact zeros, −0, NaN and infinities mixed in: the cases where comparisons can differ. */
    private static INDArray values(DataType type, long[] shape, long seed) {
        INDArray a = Nd4j.randn(type, shape);
        Random r = new Random(seed);
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE};
        INDArray flat = a.reshape(a.length());
        for (int i = 0; i < a.length() / 5; i++) {
            flat.putScalar(r.nextInt((int) a.length()), special[r.nextInt(special.length)]);
        }
        return a;
    }

    @Test
    void surefireRunsTheVectorLoops() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the tests' JVM adds jdk.incubator.vector (surefire argLine)");
        assumeTrue(VectorPasses.enabled(), "vectors narrower than 256 bits: the ND4J ops run");
    }

    @Test
    void vectorLoopsGiveTheNd4jOpsResults() {
        assumeTrue(VectorPasses.enabled(), "vectors narrower than 256 bits: only the ND4J ops run");
        for (long[] shape : SHAPES) {
            INDArray x = values(DataType.FLOAT, shape, 1);
            INDArray y = values(DataType.FLOAT, shape, 2);
            String at = java.util.Arrays.toString(shape);
            assertIdentical("relu " + at, apply(x, false), apply(x, true));
            assertIdentical("relu(a + b) " + at, addApply(x, y, false), addApply(x, y, true));
            assertIdentical("relu backward " + at, backward(x, y, false), backward(x, y, true));
        }
    }

    @Test
    void resultsMayOverwriteAnOperand() {
        long[] shape = SHAPES[1];
        INDArray x = values(DataType.FLOAT, shape, 3);
        INDArray y = values(DataType.FLOAT, shape, 4);
        INDArray inPlace = x.dup();
        Relu.forward(inPlace, inPlace);
        assertIdentical("relu in place", apply(x, false), inPlace);
        INDArray sum = x.dup();
        Relu.addForward(sum, y, sum);
        assertIdentical("relu(a + b) into a", addApply(x, y, false), sum);
        INDArray delta = y.dup();
        Relu.backward(x, delta, delta);
        assertIdentical("relu backward into the error", backward(x, y, false), delta);
    }

    @Test
    void viewsWithAnOffsetAndOtherArraysAreHandled() {
        INDArray whole = values(DataType.FLOAT, new long[]{3, 2, 101, 113}, 5);
        INDArray slice = whole.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray y = values(DataType.FLOAT, slice.shape(), 6);
        assertIdentical("relu backward of an offset view", backward(slice.dup(), y, false), backward(slice, y, true));
        INDArray fOrder = slice.dup('f');
        assertIdentical("relu of an f-order array", apply(slice.dup(), false), apply(fOrder, true));
        INDArray d = values(DataType.DOUBLE, new long[]{2, 3, 4}, 7);
        INDArray e = values(DataType.DOUBLE, new long[]{2, 3, 4}, 8);
        assertIdentical("double relu backward", backward(d, e, false), backward(d, e, true));
    }

    private static INDArray apply(INDArray x, boolean vector) {
        INDArray out = Nd4j.create(x.dataType(), x.shape());
        Relu.forward(x, out, vector);
        return out;
    }

    private static INDArray addApply(INDArray a, INDArray b, boolean vector) {
        INDArray out = Nd4j.create(a.dataType(), a.shape());
        Relu.addForward(a, b, out, vector);
        return out;
    }

    private static INDArray backward(INDArray output, INDArray delta, boolean vector) {
        INDArray out = Nd4j.create(output.dataType(), output.shape());
        Relu.backward(output, delta, out, vector);
        return out;
    }
}
