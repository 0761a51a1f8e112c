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
class BalancedL1LossTest {

    /** Every balanced L1 case of the reference, with its own α, γ, β. */
    @Test
    void matchesReferenceWithBothMaskShapes() {
        for (JsonNode c : BoxLossFixtures.cases("balanced_l1")) {
            JsonNode h = c.get("hyper");
            BoxLossFixtures.assertParity(new BalancedL1Loss(h.get("alpha").asDouble(), h.get("gamma").asDouble(),
                    h.get("beta").asDouble()), c);
        }
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 2, 4, 6).subi(0.5).muli(2);
        assertTrue(gradientCheck(new BalancedL1Loss(), in, target, randomMask(5, 2, 6), 4), "[N, A] mask");
        assertTrue(gradientCheck(new BalancedL1Loss(), in, target, randomMask(6, 2, 4, 6), 4), "[N, 4, A] mask");
    }

    @Test
    void jsonRoundTrip() {
        TestSupport.jsonRoundTrip(new BalancedL1Loss(), 4);
    }

    @Test
    void rejectsBadHyperParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BalancedL1Loss(-0.5, 1.5, 1));
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("-0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BalancedL1Loss(0.5, 1.5, 0));
        assertTrue(e.getMessage().contains("beta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BalancedL1Loss().computeScore(Nd4j.zeros(3, 4), Nd4j.zeros(3, 5),
                new org.nd4j.linalg.activations.impl.ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void defaultsAreLibraRcnn() {
        BalancedL1Loss l = new BalancedL1Loss();
        assertEquals(0.5, l.getAlpha());
        assertEquals(1.5, l.getGamma());
        assertEquals(1.0, l.getBeta());
    }
}
