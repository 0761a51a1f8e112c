package io.github.retina4j.models.backbone;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

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
}
