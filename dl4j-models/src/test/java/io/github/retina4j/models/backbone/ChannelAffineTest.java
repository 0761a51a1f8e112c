package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.VectorPasses;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ChannelAffineTest {

    /** Reference: ND4J's own broadcast over the channel axis (slow, but independent of the loop under test). */
    private static INDArray expected(INDArray x, double[] scale, double[] shift) {
        int c = (int) x.size(1);
        INDArray k = Nd4j.create(scale).castTo(x.dataType()).reshape(1, c, 1, 1);
        INDArray y = x.mul(k);
        return shift == null ? y : y.add(Nd4j.create(shift).castTo(x.dataType()).reshape(1, c, 1, 1));
    }

    @Test
    void matchesBroadcastArithmeticForBothTypesSmallAndParallelSizes() {
        Nd4j.getRandom().setSeed(4);
        double[] scale = {0.5, -2.0, 1.25};
        double[] shift = {0.1, 0.0, -3.0};
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] hw : new int[][] {{2, 3}, {150, 170}}) { // the second is above the parallel threshold
                INDArray x = Nd4j.rand(t, 2, 3, hw[0], hw[1]).subi(0.5);
                for (double[] b : new double[][] {shift, null}) {
                    INDArray out = Nd4j.createUninitialized(t, x.shape());
                    ChannelAffine.apply(x, scale, b, out);
                    assertTrue(expected(x, scale, b).equalsWithEps(out, t == DataType.FLOAT ? 1e-6 : 1e-14),
                            t + " " + hw[0] + "x" + hw[1] + (b == null ? " no shift" : ""));
                }
            }
        }
    }

    @Test
    void viewsAreMadeDenseFirst() {
        INDArray base = Nd4j.rand(DataType.DOUBLE, 3, 2, 4, 5);
        INDArray view = base.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        assertNotEquals(0, view.offset());
        INDArray dense = ChannelAffine.dense(view);
        assertNotSame(view, dense);
        assertIdentical("dense copy of a view", view, dense);
        assertSame(dense, ChannelAffine.dense(dense), "dense arrays are used as they are");
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, dense.shape());
        ChannelAffine.apply(dense, new double[] {2, 3}, new double[] {1, 1}, out);
        assertTrue(expected(view, new double[] {2, 3}, new double[] {1, 1}).equalsWithEps(out, 1e-14));
        assertThrows(IllegalArgumentException.class, () -> ChannelAffine.apply(Nd4j.zeros(DataType.INT, 1, 2, 2, 2),
                new double[] {1, 1}, null, Nd4j.zeros(DataType.INT, 1, 2, 2, 2)));
    }
    /**
     * The fused vector passes against the separate passes they replace (affine, then ReLU; mask, then scale), element
     * for element: channels-first and channels-last, channel counts that are and are not whole vectors, below and
     * above the parallel threshold, with zeros, −0, NaN and infinities among the values.
     */
    @Test
    void fusedPassesGiveTheSeparatePassesResults() {
        assumeTrue(VectorPasses.enabled(), "vector loops not usable in this JVM");
        for (long[] shape : new long[][] {{2, 3, 5, 7}, {2, 20, 61, 67}, {2, 64, 33, 35}}) {
            for (boolean last : new boolean[] {false, true}) {
                long[] s = last ? new long[] {shape[0], shape[2], shape[3], shape[1]} : shape;
                int c = (int) shape[1];
                double[] scale = new double[c];
                double[] shift = new double[c];
                for (int i = 0; i < c; i++) {
                    scale[i] = i % 5 == 0 ? -0.75 : 0.5 + i;
                    shift[i] = i % 3 == 0 ? 0.0 : 0.25 - i;
                }
                INDArray x = values(s, 1);
                INDArray d = values(s, 2);
                String at = java.util.Arrays.toString(s);
                for (boolean relu : new boolean[] {false, true}) {
                    for (double[] b : new double[][] {shift, null}) {
                        assertIdentical("forward " + at + (relu ? " relu" : "") + (b == null ? " no shift" : ""),
                                forward(x, scale, b, relu, last, false), forward(x, scale, b, relu, last, true));
                    }
                }
                assertIdentical("backward " + at, backward(x, d, scale, last, false), backward(x, d, scale, last, true));
                INDArray inPlace = d.dup();
                ChannelAffine.backward(x, inPlace, scale, last, inPlace);
                assertIdentical("backward into the error " + at, backward(x, d, scale, last, false), inPlace);
            }
        }
    }

    private static INDArray values(long[] shape, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.randn(DataType.FLOAT, shape);
        INDArray flat = a.reshape(a.length());
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < a.length(); i += 7) {
            flat.putScalar(i, special[(i / 7) % special.length]);
        }
        return a;
    }

    private static INDArray forward(INDArray x, double[] scale, double[] shift, boolean relu, boolean last, boolean vector) {
        INDArray out = Nd4j.create(x.dataType(), x.shape());
        ChannelAffine.forward(x, scale, shift, relu, last, out, vector);
        return out;
    }

    private static INDArray backward(INDArray y, INDArray d, double[] scale, boolean last, boolean vector) {
        INDArray out = Nd4j.create(y.dataType(), y.shape());
        ChannelAffine.backward(y, d, scale, last, out, vector);
        return out;
    }
}
