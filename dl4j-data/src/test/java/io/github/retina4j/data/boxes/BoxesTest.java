package io.github.retina4j.data.boxes;

import io.github.retina4j.testsupport.Npy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoxesTest {

    /** torchvision box_iou(gt, anchors) on the reference subset of anchors (reference README, "anchors/"). */
    @Test
    void iouMatchesTorchvisionSubset() {
        AnchorsFixture fx = AnchorsFixture.load();
        INDArray anchors = fx.mainAnchors();
        Npy subset = fx.iouSubset();
        INDArray gt = fx.gtBoxes();
        INDArray iou = Boxes.iou(gt, anchors);
        assertArrayEquals(new long[] {gt.size(0), anchors.size(0)}, iou.shape());
        int rows = subset.size(0);
        int cols = subset.size(1);
        assertEquals(1 + gt.size(0), cols, "subset columns: anchor index + one per gt");
        assertTrue(rows > 0, "empty IoU subset");
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            int a = (int) subset.data()[r * cols];
            for (int g = 0; g < gt.size(0); g++) {
                worst = Math.max(worst, Math.abs(iou.getDouble(g, a) - subset.data()[r * cols + 1 + g]));
            }
        }
        assertTrue(worst <= 1e-12, "max |IoU diff| = " + worst);
    }

    @Test
    void iouOfDegenerateAndDisjointBoxesIsZeroNotNaN() {
        INDArray a = Nd4j.createFromArray(new double[][] {{5, 5, 5, 5}, {0, 0, 10, 10}, {3, 3, 3, 9}});
        INDArray b = Nd4j.createFromArray(new double[][] {{5, 5, 5, 5}, {20, 20, 30, 30}, {0, 0, 10, 10}});
        INDArray iou = Boxes.iou(a, b);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertTrue(Double.isFinite(iou.getDouble(i, j)));
            }
        }
        assertEquals(0.0, iou.getDouble(0, 0));
        assertEquals(0.0, iou.getDouble(1, 1));
        assertEquals(1.0, iou.getDouble(1, 2));
        assertEquals(0.0, iou.getDouble(2, 2));
    }

    /** Property: IoU is symmetric, in [0, 1], and 1 on the diagonal for boxes with positive area. */
    @Test
    void iouProperties() {
        Random rng = new Random(3);
        double[][] m = new double[40][];
        for (int i = 0; i < m.length; i++) {
            double x = rng.nextDouble() * 100, y = rng.nextDouble() * 100;
            m[i] = new double[] {x, y, x + 1 + rng.nextDouble() * 60, y + 1 + rng.nextDouble() * 60};
        }
        INDArray b = Nd4j.createFromArray(m);
        INDArray iou = Boxes.iou(b, b);
        for (int i = 0; i < m.length; i++) {
            assertEquals(1.0, iou.getDouble(i, i), 1e-15);
            for (int j = 0; j < m.length; j++) {
                double v = iou.getDouble(i, j);
                assertTrue(v >= 0 && v <= 1);
                assertEquals(v, iou.getDouble(j, i), 1e-15);
            }
        }
    }

    @Test
    void iofIsIntersectionOverSecondBoxArea() {
        INDArray crowd = Nd4j.createFromArray(new double[][] {{0, 0, 100, 100}});
        INDArray anchors = Nd4j.createFromArray(new double[][] {{10, 10, 20, 20}, {90, 90, 110, 110}, {200, 200, 210, 210}, {5, 5, 5, 5}});
        INDArray iof = Boxes.iof(crowd, anchors);
        assertEquals(1.0, iof.getDouble(0, 0), 1e-15);
        assertEquals(0.25, iof.getDouble(0, 1), 1e-15);
        assertEquals(0.0, iof.getDouble(0, 2));
        assertEquals(0.0, iof.getDouble(0, 3));
    }

    @Test
    void areaClipAndFormats() {
        INDArray b = Nd4j.createFromArray(new double[][] {{-10, 5, 50, 400}, {10, 20, 30, 60}});
        assertArrayEquals(new double[] {60 * 395, 20 * 40}, Boxes.area(b).toDoubleVector(), 1e-12);
        INDArray clipped = Boxes.clip(b, 300, 40);
        assertArrayEquals(new double[] {0, 5, 40, 300}, clipped.getRow(0).toDoubleVector(), 0);
        assertArrayEquals(new double[] {10, 20, 30, 60}, clipped.getRow(1).toDoubleVector(), 0);
        assertArrayEquals(new double[] {-10, 5, 50, 400}, b.getRow(0).toDoubleVector(), 0, "input unchanged");
        INDArray xywh = Boxes.xyxyToXywh(b);
        assertArrayEquals(new double[] {10, 20, 20, 40}, xywh.getRow(1).toDoubleVector(), 0);
        assertArrayEquals(b.ravel().toDoubleVector(), Boxes.xywhToXyxy(xywh).ravel().toDoubleVector(), 1e-12);
    }

    @Test
    void horizontalFlipIsAnInvolutionAndKeepsWidth() {
        INDArray b = Nd4j.createFromArray(new double[][] {{10, 20, 30, 60}, {0, 0, 100, 50}});
        INDArray f = Boxes.flipHorizontal(b, 100);
        assertArrayEquals(new double[] {70, 20, 90, 60}, f.getRow(0).toDoubleVector(), 0);
        assertArrayEquals(new double[] {0, 0, 100, 50}, f.getRow(1).toDoubleVector(), 0);
        assertArrayEquals(b.ravel().toDoubleVector(), Boxes.flipHorizontal(f, 100).ravel().toDoubleVector(), 1e-12);
    }

    @Test
    void rescaleScalesAxesSeparatelyAndRejectsBadFactors() {
        INDArray b = Nd4j.createFromArray(new float[][] {{10, 20, 30, 60}});
        INDArray r = Boxes.rescale(b, 2, 0.5);
        assertEquals(DataType.FLOAT, r.dataType());
        assertArrayEquals(new double[] {20, 10, 60, 30}, r.ravel().toDoubleVector(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Boxes.rescale(b, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Boxes.rescale(b, Double.NaN, 1));
    }

    @Test
    void wrongShapeIsRejectedWithItsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Boxes.iou(Nd4j.create(DataType.DOUBLE, 3, 5), Nd4j.create(DataType.DOUBLE, 2, 4)));
        assertTrue(e.getMessage().contains("boxes a") && e.getMessage().contains("[3, 5]"), e.getMessage());
    }
}
