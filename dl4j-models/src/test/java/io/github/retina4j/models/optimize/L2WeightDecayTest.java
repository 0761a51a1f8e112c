package io.github.retina4j.models.optimize;

import io.github.retina4j.models.dl4j.VectorPasses;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class L2WeightDecayTest {
    private static final double LAMBDA = 1e-2;

    /**
     * Parameter and gradient views as DL4J lays them out: f-order reshapes of intervals of one flat row vector, at an
     * offset. The first is below the parallel threshold with a scalar tail, the second above it, off a vector boundary.
     */
    private static INDArray[] views(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[][] shapes = {{37}, {64, 67, 3, 3}};
        long total = 5;
        for (long[] s : shapes) {
            total += java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b);
        }
        INDArray flat = Nd4j.randn(type, 1, total);
        INDArray[] views = new INDArray[shapes.length];
        long at = 5;
        for (int i = 0; i < shapes.length; i++) {
            long n = java.util.Arrays.stream(shapes[i]).reduce(1, (a, b) -> a * b);
            views[i] = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(at, at + n)).reshape('f', shapes[i]);
            at += n;
        }
        return views;
    }

    @Test
    void theVectorLoopsGiveDl4jsL2() {
        INDArray[] params = views(DataType.FLOAT, 1);
        INDArray[] grads = views(DataType.FLOAT, 2);
        assumeTrue(VectorPasses.applies(params[1], grads[1]), "vector loops not usable in this JVM");
        for (int i = 0; i < params.length; i++) {
            INDArray expected = grads[i].dup('f');
            new L2Regularization(LAMBDA).apply(params[i], expected, 0.1, 3, 0);
            INDArray actual = grads[i];
            new L2WeightDecay(LAMBDA).apply(params[i], actual, 0.1, 3, 0);
            assertIdentical("λ·θ added to the gradient, " + params[i].length() + " elements", expected, actual);
            double dl4j = new L2Regularization(LAMBDA).score(params[i], 3, 0);
            double sum = 0;
            for (double t : params[i].dup().data().asDouble()) {
                sum += t * t;
            }
            assertEquals(0.5 * LAMBDA * sum, new L2WeightDecay(LAMBDA).score(params[i], 3, 0), 1e-6 * dl4j,
                    "λ/2·Σθ², summed in double");
            assertEquals(dl4j, new L2WeightDecay(LAMBDA).score(params[i], 3, 0), 1e-5 * dl4j, "as DL4J's score");
        }
    }

    @Test
    void doublesTakeDl4jsOps() {
        INDArray[] params = views(DataType.DOUBLE, 3);
        INDArray[] grads = views(DataType.DOUBLE, 4);
        INDArray expected = grads[1].dup('f');
        new L2Regularization(LAMBDA).apply(params[1], expected, 0.1, 0, 0);
        new L2WeightDecay(LAMBDA).apply(params[1], grads[1], 0.1, 0, 0);
        assertIdentical("double gradient", expected, grads[1]);
        assertEquals(new L2Regularization(LAMBDA).score(params[1], 0, 0), new L2WeightDecay(LAMBDA).score(params[1], 0, 0));
    }

    @Test
    void serialisesAsItself() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Regularization back = m.readValue(m.writeValueAsString(new L2WeightDecay(LAMBDA)), Regularization.class);
        assertInstanceOf(L2WeightDecay.class, back);
        assertEquals(LAMBDA, ((L2WeightDecay) back).getL2().valueAt(0, 0));
        assertInstanceOf(L2WeightDecay.class, back.clone());
    }
}
