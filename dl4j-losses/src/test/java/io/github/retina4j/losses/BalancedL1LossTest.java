package io.github.retina4j.losses;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class BalancedL1LossTest {

    @BeforeAll
    static void setUp() {
        init();
    }

    @Test
    void matchesReferenceWithBothMaskShapes() {
        BoxLossFixtures.assertParity(new BalancedL1Loss(), "balanced_l1");
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
    void otherHyperParametersMatchReference() {
        BoxLossFixtures.assertParity(new BalancedL1Loss(0.3, 1.0, 0.5), "balanced_l1_alpha0.3_gamma1.0_beta0.5");
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
