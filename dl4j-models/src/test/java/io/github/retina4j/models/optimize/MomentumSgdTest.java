package io.github.retina4j.models.optimize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;

import io.github.retina4j.models.dl4j.VectorPasses;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class MomentumSgdTest {

    @Test
    void matchesTorchSgdWithMomentum() {
        // torch.optim.SGD(momentum=0.9): buf = 0.9*buf + g; p -= lr*buf  (written out by hand)
        MomentumSgd cfg = new MomentumSgd(0.1, 0.9);
        INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 2);
        GradientUpdater<?> u = cfg.instantiate(state, true);
        INDArray g1 = Nd4j.createFromArray(1.0, -2.0).reshape(1, 2);
        u.applyUpdater(g1, 0, 0);
        assertArrayEquals(new double[] {0.1, -0.2}, g1.toDoubleVector(), 1e-12);
        INDArray g2 = Nd4j.createFromArray(0.5, 0.5).reshape(1, 2);
        u.applyUpdater(g2, 1, 0);
        // buf = 0.9*[1,-2] + [0.5,0.5] = [1.4, -1.3]
        assertArrayEquals(new double[] {0.14, -0.13}, g2.toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {1.4, -1.3}, state.toDoubleVector(), 1e-12, "state lives in the view array");
    }

    /** The vector pass against the ND4J ops it replaces, on float state and gradient views at an offset. */
    @Test
    void theVectorPassGivesTheNd4jOps() {
        for (long n : new long[] {37, 3 * 3 * 64 * 67 + 5}) {
            Nd4j.getRandom().setSeed(n);
            INDArray flatState = Nd4j.zeros(DataType.FLOAT, 1, n + 3);
            INDArray state = flatState.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, n + 3)).reshape(1, n);
            assumeTrue(VectorPasses.applies(state, state), "vector loops not usable in this JVM");
            GradientUpdater<?> u = new MomentumSgd(0.05, 0.9).instantiate(state, true);
            INDArray v = Nd4j.zeros(DataType.FLOAT, 1, n);
            for (int step = 0; step < 3; step++) {
                INDArray g = Nd4j.randn(DataType.FLOAT, 1, n);
                INDArray expected = g.dup();
                v.muli(0.9).addi(expected);
                expected.assign(v).muli(0.05);
                u.applyUpdater(g, step, 0);
                assertIdentical("update, step " + step + ", " + n + " elements", expected, g);
                assertIdentical("velocity, step " + step + ", " + n + " elements", v, state);
            }
        }
    }

    @Test
    void usesTheScheduleAndSerialises() throws Exception {
        MomentumSgd cfg = new MomentumSgd(new WarmupStepSchedule(1.0, 0, 0.5, new int[] {2}, 0.1), 0.0);
        assertEquals(1.0, cfg.getLearningRate(1, 0), 1e-12);
        assertEquals(0.1, cfg.getLearningRate(2, 0), 1e-12);
        ObjectMapper m = new ObjectMapper();
        IUpdater back = m.readValue(m.writeValueAsString(cfg), IUpdater.class);
        assertEquals(cfg, back);
        assertThrows(IllegalArgumentException.class, () -> new MomentumSgd(0.1, 1.0));
    }
}
