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
class SmoothL1LossTest {

    /** Every smooth L1 case of the reference, with its own β. */
    @Test
    void matchesReferenceWithBothMaskShapes() {
        for (JsonNode c : BoxLossFixtures.cases("smooth_l1")) {
            BoxLossFixtures.assertParity(new SmoothL1Loss(c.get("hyper").get("beta").asDouble()), c);
        }
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 2, 4, 6).subi(0.5).muli(2);
        assertTrue(gradientCheck(new SmoothL1Loss(), in, target, randomMask(5, 2, 6), 4), "[N, A] mask");
        assertTrue(gradientCheck(new SmoothL1Loss(), in, target, randomMask(6, 2, 4, 6), 4), "[N, 4, A] mask");
    }

    @Test
    void jsonRoundTrip() {
        TestSupport.jsonRoundTrip(new SmoothL1Loss(), 4);
    }

    @Test
    void betaZeroIsL1AndTheDefaultIsOneNinth() {
        for (JsonNode c : BoxLossFixtures.cases("l1")) {
            BoxLossFixtures.assertParity(new SmoothL1Loss(0.0), c);
        }
        assertEquals(1.0 / 9.0, new SmoothL1Loss().getBeta(), 0.0, "detectron default 1/9");
    }

    @Test
    void rejectsBadHyperParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SmoothL1Loss(-0.1));
        assertTrue(e.getMessage().contains("beta") && e.getMessage().contains("-0.1"), e.getMessage());
    }
}
