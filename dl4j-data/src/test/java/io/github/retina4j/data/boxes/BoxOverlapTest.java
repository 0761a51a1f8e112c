package io.github.retina4j.data.boxes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Invariants of the one overlap primitive ({@link Boxes#intersection}, {@link Boxes#iou(double, double, double)}). */
class BoxOverlapTest {

    @Test
    void intersectionAndIouInvariantsOnRandomBoxes() {
        Random rnd = new Random(7);
        for (int t = 0; t < 10_000; t++) {
            double[] a = box(rnd);
            double[] b = box(rnd);
            double ab = Boxes.intersection(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]);
            double ba = Boxes.intersection(b[0], b[1], b[2], b[3], a[0], a[1], a[2], a[3]);
            assertEquals(ab, ba, "symmetric");
            double areaA = (a[2] - a[0]) * (a[3] - a[1]);
            double areaB = (b[2] - b[0]) * (b[3] - b[1]);
            assertTrue(ab >= 0 && ab <= Math.min(areaA, areaB) * (1 + 1e-12), "0 <= inter <= min area");
            double iou = Boxes.iou(ab, areaA, areaB);
            assertTrue(iou >= 0 && iou <= 1 + 1e-12, "0 <= IoU <= 1");
            assertEquals(iou, Boxes.iou(ba, areaB, areaA));
            // the flat-array IoU used by Boxes.iou(double[], double[], double[]) is the same number
            double[] out = new double[1];
            Boxes.iou(a, b, out);
            assertEquals(iou, out[0]);
        }
    }

    @Test
    void edgeCases() {
        assertEquals(1.0, Boxes.iou(Boxes.intersection(0, 0, 2, 3, 0, 0, 2, 3), 6, 6));
        assertEquals(0.0, Boxes.intersection(0, 0, 1, 1, 1, 0, 2, 1), "touching edges do not overlap");
        assertEquals(0.0, Boxes.intersection(0, 0, 1, 1, 0, 2, 1, 3), "disjoint vertically");
        assertEquals(0.0, Boxes.iou(0, 0, 0), "two degenerate boxes: IoU 0, not NaN");
        assertEquals(0.0, Boxes.iou(1, Double.NaN, 1), "a NaN union gives 0");
    }

    private static double[] box(Random rnd) {
        double x1 = rnd.nextDouble() * 100;
        double y1 = rnd.nextDouble() * 100;
        return new double[] {x1, y1, x1 + rnd.nextDouble() * 50, y1 + rnd.nextDouble() * 50};
    }
}
