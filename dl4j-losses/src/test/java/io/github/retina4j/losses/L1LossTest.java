package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class L1LossTest {

    @Test
    void matchesReferenceWithBothMaskShapes() {
        for (JsonNode c : BoxLossFixtures.cases("l1")) {
            BoxLossFixtures.assertParity(new L1Loss(), c);
        }
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 2, 4, 6).subi(0.5).muli(2);
        assertTrue(gradientCheck(new L1Loss(), in, target, randomMask(5, 2, 6), 4), "[N, A] mask");
        assertTrue(gradientCheck(new L1Loss(), in, target, randomMask(6, 2, 4, 6), 4), "[N, 4, A] mask");
    }

    @Test
    void jsonRoundTrip() {
        TestSupport.jsonRoundTrip(new L1Loss(), 4);
    }

    @Test
    void noMaskMeansEveryRowPositive() {
        INDArray p = Nd4j.createFromArray(new double[][]{{1, 2, 3, 4}, {0, 0, 0, 1}});
        INDArray t = Nd4j.zeros(DataType.DOUBLE, 2, 4);
        assertEquals(11.0 / 2, new L1Loss().computeScore(t, p, new org.nd4j.linalg.activations.impl.ActivationIdentity(), null, false), 0.0);
        // no positive anchor at all: Z = 1 and nothing contributes
        assertEquals(0.0, new L1Loss().computeScore(t, p, new org.nd4j.linalg.activations.impl.ActivationIdentity(), Nd4j.zeros(DataType.DOUBLE, 2, 1), false), 0.0);
    }
}
