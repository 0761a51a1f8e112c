package io.github.retina4j.data.boxes;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.JsonArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchedNmsTest {

    /** torchvision.ops.batched_nms keep list (decreasing score), incl. an IoU-exactly-0.5 pair that both survive. */
    @Test
    void keepListMatchesTorchvision() {
        JsonNode nms = AnchorsFixture.load().get("batched_nms");
        INDArray boxes = Nd4j.createFromArray(JsonArrays.matrix(nms.get("boxes")));
        INDArray scores = Nd4j.createFromArray(JsonArrays.doubles(nms.get("scores")));
        INDArray classes = Nd4j.createFromArray(JsonArrays.ints(nms.get("class_idxs")));
        INDArray keep = BatchedNms.nms(boxes, scores, classes, NmsConfig.iouOnly(nms.get("iou_threshold").asDouble()));
        assertEquals(DataType.LONG, keep.dataType());
        assertArrayEquals(JsonArrays.ints(nms.get("keep")), keep.toIntVector());
    }

    @Test
    void suppressionIsStrictlyGreaterThanThreshold() {
        double[] boxes = {10, 10, 50, 50, 10, 10, 50, 30, 10, 10, 50, 31};
        // IoU(0,1) = 800/1600 = 0.5 exactly: kept; IoU(0,2) = 840/1600 > 0.5: suppressed.
        int[] keep = BatchedNms.nms(boxes, new double[] {0.9, 0.8, 0.7}, new int[3], NmsConfig.iouOnly(0.5));
        assertArrayEquals(new int[] {0, 1}, keep);
    }

    @Test
    void classesDoNotSuppressEachOther() {
        double[] boxes = {0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10};
        assertArrayEquals(new int[] {2, 0}, BatchedNms.nms(boxes, new double[] {0.5, 0.4, 0.6}, new int[] {1, 1, 2}, NmsConfig.iouOnly(0.5)));
    }

    @Test
    void scoreThresholdTopKAndMaxDetections() {
        double[] boxes = new double[4 * 6];
        double[] scores = {0.9, 0.01, 0.8, 0.7, 0.6, 0.5};
        for (int i = 0; i < 6; i++) {
            boxes[4 * i] = 100 * i;
            boxes[4 * i + 1] = 0;
            boxes[4 * i + 2] = 100 * i + 50;
            boxes[4 * i + 3] = 50;
        }
        int[] cls = new int[6];
        assertArrayEquals(new int[] {0, 2, 3, 4, 5}, BatchedNms.nms(boxes, scores, cls, new NmsConfig(0.5, 0.05, 0, 0)));
        assertArrayEquals(new int[] {0, 2, 3}, BatchedNms.nms(boxes, scores, cls, new NmsConfig(0.5, 0.05, 3, 0)));
        assertArrayEquals(new int[] {0, 2}, BatchedNms.nms(boxes, scores, cls, new NmsConfig(0.5, 0.05, 0, 2)));
    }

    @Test
    void tiesAreBrokenByLowerIndex() {
        double[] boxes = {0, 0, 10, 10, 0, 0, 10, 10, 50, 50, 60, 60};
        assertArrayEquals(new int[] {0, 2}, BatchedNms.nms(boxes, new double[] {0.5, 0.5, 0.5}, new int[3], NmsConfig.iouOnly(0.5)));
    }

    /** Property: against a brute-force reference on random inputs — kept boxes of one class never overlap above thr. */
    @Test
    void randomInputsSatisfyNmsInvariants() {
        for (int numClasses : new int[] {4, 1}) {
            for (double thr : new double[] {0.0, 0.4, 0.7}) {
                checkInvariants(new Random(5 + numClasses), numClasses, thr);
            }
        }
    }

    private static void checkInvariants(Random rng, int numClasses, double thr) {
        int n = 400;
        double[] b = new double[4 * n];
        double[] s = new double[n];
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            double x = rng.nextDouble() * 200, y = rng.nextDouble() * 200;
            b[4 * i] = x;
            b[4 * i + 1] = y;
            b[4 * i + 2] = x + 5 + rng.nextDouble() * 40;
            b[4 * i + 3] = y + 5 + rng.nextDouble() * 40;
            s[i] = rng.nextDouble();
            c[i] = rng.nextInt(numClasses);
        }
        int[] keep = BatchedNms.nms(b, s, c, NmsConfig.iouOnly(thr));
        boolean[] kept = new boolean[n];
        for (int k = 0; k < keep.length; k++) {
            kept[keep[k]] = true;
            if (k > 0) {
                assertTrue(s[keep[k - 1]] >= s[keep[k]]);
            }
        }
        double[] iou = new double[n * n];
        Boxes.iou(b, b, iou);
        for (int i = 0; i < n; i++) {
            if (kept[i]) {
                for (int j : keep) {
                    if (j != i && c[j] == c[i]) {
                        assertTrue(iou[i * n + j] <= thr);
                    }
                }
            } else {
                // A suppressed box overlaps a higher-scoring kept box of its class.
                boolean covered = false;
                for (int j : keep) {
                    covered |= c[j] == c[i] && s[j] > s[i] && iou[i * n + j] > thr;
                }
                assertTrue(covered, "box " + i + " suppressed without reason");
            }
        }
    }

    /**
     * With a detection limit (≤ {@link BatchedNms#KEPT_LIST_MAX}) the kept-list scan runs; it must keep exactly the first
     * {@code limit} boxes of the per-class scans (no limit): clustered boxes, tied scores, several classes.
     */
    @Test
    void keptListScanEqualsThePerClassScansCutAtTheLimit() {
        Random rng = new Random(21);
        for (int trial = 0; trial < 40; trial++) {
            int n = 50 + rng.nextInt(1500);
            int numClasses = 1 + rng.nextInt(trial % 2 == 0 ? 3 : 80);
            double[] b = new double[4 * n];
            double[] s = new double[n];
            int[] c = new int[n];
            for (int i = 0; i < n; i++) {
                // clusters around a few centres, so that most boxes overlap some other box of their class
                double cx = 40 * (rng.nextInt(6)) + 4 * rng.nextGaussian(), cy = 40 * (rng.nextInt(6)) + 4 * rng.nextGaussian();
                double w = 10 + rng.nextDouble() * 30, h = 10 + rng.nextDouble() * 30;
                b[4 * i] = cx - w / 2;
                b[4 * i + 1] = cy - h / 2;
                b[4 * i + 2] = cx + w / 2;
                b[4 * i + 3] = cy + h / 2;
                s[i] = trial % 3 == 0 ? rng.nextInt(5) / 4.0 : rng.nextDouble();
                c[i] = rng.nextInt(numClasses);
            }
            double thr = new double[] {0, 0.3, 0.5, 0.9}[trial % 4];
            int[] all = BatchedNms.nms(b, s, c, new NmsConfig(thr, Double.NEGATIVE_INFINITY, 0, 0));
            for (int limit : new int[] {1, 7, 100, BatchedNms.KEPT_LIST_MAX}) {
                int[] limited = BatchedNms.nms(b, s, c, new NmsConfig(thr, Double.NEGATIVE_INFINITY, 0, limit));
                assertArrayEquals(java.util.Arrays.copyOf(all, Math.min(limit, all.length)), limited,
                        "trial " + trial + ", limit " + limit);
            }
        }
    }

    @Test
    void emptyInputAndBadInput() {
        INDArray keep = BatchedNms.nms(Nd4j.create(DataType.FLOAT, 0, 4), Nd4j.create(DataType.FLOAT, 0),
                Nd4j.create(DataType.INT, 0), NmsConfig.cocoDefaults());
        assertEquals(0, keep.length());
        assertThrows(IllegalArgumentException.class, () -> BatchedNms.nms(new double[8], new double[] {1, Double.NaN},
                new int[2], NmsConfig.iouOnly(0.5)));
        assertThrows(IllegalArgumentException.class, () -> BatchedNms.nms(new double[8], new double[3], new int[2], NmsConfig.iouOnly(0.5)));
        assertThrows(IllegalArgumentException.class, () -> BatchedNms.nms(new double[] {0, 0, Double.NaN, 1}, new double[1],
                new int[1], NmsConfig.iouOnly(0.5)));
    }
}
