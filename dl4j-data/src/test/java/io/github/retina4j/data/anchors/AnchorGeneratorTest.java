package io.github.retina4j.data.anchors;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.boxes.Boxes;
import io.github.retina4j.data.boxes.BoxesReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnchorGeneratorTest {

    private final AnchorGenerator torchvision = new AnchorGenerator(AnchorConfig.torchvisionRetinaNet());
    private final AnchorGenerator spec = new AnchorGenerator(AnchorConfig.retinaNet());

    /** Both torchvision anchor sets (256x320 is not divisible by 128, 128x256 is) match exactly, with their metadata. */
    @Test
    void torchvisionModeMatchesBothReferenceSetsExactly() {
        for (JsonNode set : BoxesReference.anchorsFixture().get("anchor_sets")) {
            int h = set.get("image_hw").get(0).asInt();
            int w = set.get("image_hw").get(1).asInt();
            double[] expected = Boxes.toFlat(BoxesReference.npy(set.get("file").asText()), "reference anchors");
            double[] actual = torchvision.anchorCoordinates(h, w);
            assertEquals(set.get("num_anchors").asInt(), actual.length / 4);
            assertEquals(set.get("num_anchors").asInt(), torchvision.numAnchors(h, w));
            assertArrayEquals(expected, actual, 0.0, "anchors " + h + "x" + w);
            assertArrayEquals(BoxesReference.intVector(set.get("level_start_index")), torchvision.levelStartIndex(h, w));
            int[][] f = torchvision.featureSizes(h, w);
            int[][] s = torchvision.levelStrides(h, w);
            for (int l = 0; l < f.length; l++) {
                assertArrayEquals(BoxesReference.intVector(set.get("feature_map_hw").get(l)), f[l]);
                assertArrayEquals(BoxesReference.intVector(set.get("level_strides_hw_as_torchvision_computes").get(l)), s[l]);
                double[][] cells = BoxesReference.matrix(set.get("cell_anchors_per_level").get(l));
                double[][] ours = torchvision.cellAnchors(l);
                for (int c = 0; c < cells.length; c++) {
                    assertArrayEquals(cells[c], ours[c], 0.0, "level " + l + " cell " + c);
                }
            }
        }
    }

    /** The SPEC formula (mmdetection port) on the divisible set, and it is really different from torchvision's. */
    @Test
    void specModeMatchesMmdetectionPort() {
        JsonNode set = BoxesReference.anchorsFixture().get("anchor_sets").get(1);
        int h = set.get("image_hw").get(0).asInt();
        int w = set.get("image_hw").get(1).asInt();
        double[] expected = Boxes.toFlat(BoxesReference.npy(set.get("spec_formula_file").asText()), "spec anchors");
        double[] actual = spec.anchorCoordinates(h, w);
        double diff = BoxesReference.maxAbsDiff(expected, actual);
        assertTrue(diff <= 1e-9 * BoxesReference.maxAbs(expected), "max abs diff " + diff);
        double vsTorchvision = BoxesReference.maxAbsDiff(actual, torchvision.anchorCoordinates(h, w));
        assertEquals(set.get("spec_formula_max_abs_diff_vs_torchvision").asDouble(), vsTorchvision, 1e-9);
    }

    @Test
    void specSizesAreStrideTimesFourTimesOctaveScales() {
        double[][] cells = spec.cellAnchors(0);
        // ratio 1 is the middle ratio; ratio-major order puts its 3 scales at indices 3..5.
        for (int k = 0; k < 3; k++) {
            double size = cells[3 + k][2] - cells[3 + k][0];
            assertEquals(8 * 4 * Math.pow(2, k / 3.0), size, 1e-12);
        }
        // Aspect ratio h/w of the first cell anchor is 0.5.
        assertEquals(0.5, (cells[0][3] - cells[0][1]) / (cells[0][2] - cells[0][0]), 1e-12);
    }

    @Test
    void scaleMajorOrderPermutesCellAnchors() {
        AnchorConfig c = AnchorConfig.retinaNet();
        AnchorGenerator scaleMajor = new AnchorGenerator(new AnchorConfig(c.strides(), c.octaveBaseScale(), c.scalesPerOctave(),
                c.ratios(), c.convention(), CellAnchorOrder.SCALE_MAJOR));
        double[][] rm = spec.cellAnchors(2);
        double[][] sm = scaleMajor.cellAnchors(2);
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(rm[r * 3 + k], sm[k * 3 + r], 0.0);
            }
        }
    }

    /** Order (level, y, x, anchor): consecutive locations differ by the stride in x, rows by the stride in y. */
    @Test
    void orderIsLevelYXAnchorAndCentresAreOnStrideMultiples() {
        int h = 96, w = 160;
        double[] a = spec.anchorCoordinates(h, w);
        int[][] f = spec.featureSizes(h, w);
        int[] start = spec.levelStartIndex(h, w);
        int[] strides = AnchorConfig.RETINANET_STRIDES;
        for (int l = 0; l < f.length; l++) {
            for (int y = 0; y < f[l][0]; y++) {
                for (int x = 0; x < f[l][1]; x++) {
                    for (int c = 0; c < 9; c++) {
                        int i = start[l] + (y * f[l][1] + x) * 9 + c;
                        assertEquals(x * strides[l], (a[4 * i] + a[4 * i + 2]) / 2, 1e-9);
                        assertEquals(y * strides[l], (a[4 * i + 1] + a[4 * i + 3]) / 2, 1e-9);
                    }
                }
            }
        }
        // Feature sizes are ceil(size / stride): 96/128 -> 1, 160/64 -> 3.
        assertArrayEquals(new int[] {1, 2}, f[4]);
        assertArrayEquals(new int[] {2, 3}, f[3]);
    }

    @Test
    void cachedArraysAreCopies() {
        INDArray a = torchvision.anchors(128, 256);
        assertEquals(DataType.FLOAT, a.dataType());
        a.muli(0);
        INDArray b = torchvision.anchors(128, 256, DataType.DOUBLE);
        assertNotSame(a, b);
        assertTrue(b.amaxNumber().doubleValue() > 0, "cache was modified through a returned array");
        assertEquals(6138, b.size(0));
    }

    @Test
    void invalidSizesAndConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> spec.anchors(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new AnchorConfig(new int[0], 4, 3, new double[] {1},
                AnchorConvention.SPEC_EXACT, CellAnchorOrder.RATIO_MAJOR));
        assertThrows(IllegalArgumentException.class, () -> new AnchorConfig(new int[] {8}, 4, 3, new double[] {-1},
                AnchorConvention.SPEC_EXACT, CellAnchorOrder.RATIO_MAJOR));
    }
}
