package io.github.retina4j.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoxIouTest {

    private static double iou(double[] d, double[] g, boolean crowd) {
        return BoxIou.iou(d, 0, g, 0, crowd);
    }

    @Test
    void knownValues() {
        assertEquals(1.0, iou(new double[] {0, 0, 10, 10}, new double[] {0, 0, 10, 10}, false), 0.0);
        assertEquals(25.0 / 175.0, iou(new double[] {0, 0, 10, 10}, new double[] {5, 5, 10, 10}, false), 0.0);
        assertEquals(0.0, iou(new double[] {0, 0, 10, 10}, new double[] {10, 0, 10, 10}, false), 0.0); // touching
        assertEquals(0.0, iou(new double[] {0, 0, 0, 10}, new double[] {0, 0, 10, 10}, false), 0.0);    // zero width
    }

    @Test
    void crowdUsesTheDetectionAreaAsUnion() {
        // a detection fully inside a crowd region has IoU 1; half inside has 0.5
        assertEquals(1.0, iou(new double[] {10, 10, 5, 5}, new double[] {0, 0, 100, 100}, true), 0.0);
        assertEquals(0.5, iou(new double[] {95, 0, 10, 10}, new double[] {0, 0, 100, 100}, true), 0.0);
        assertEquals(25.0 / 10000, iou(new double[] {10, 10, 5, 5}, new double[] {0, 0, 100, 100}, false), 0.0);
    }

    @Test
    void symmetricAndBoundedForRegularBoxes() {
        Random rnd = new Random(3);
        for (int i = 0; i < 2000; i++) {
            double[] a = {rnd.nextDouble() * 50, rnd.nextDouble() * 50, rnd.nextDouble() * 40, rnd.nextDouble() * 40};
            double[] b = {rnd.nextDouble() * 50, rnd.nextDouble() * 50, rnd.nextDouble() * 40, rnd.nextDouble() * 40};
            double ab = iou(a, b, false);
            assertEquals(ab, iou(b, a, false), 1e-15);
            assertTrue(ab >= 0 && ab <= 1);
            assertTrue(iou(a, b, true) >= ab - 1e-15); // crowd union (detection area) <= regular union
        }
    }
}
