package io.github.retina4j.data.anchors;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.boxes.AnchorsFixture;
import io.github.retina4j.testsupport.Close;
import io.github.retina4j.testsupport.JsonArrays;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static io.github.retina4j.testsupport.Close.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnchorGeneratorTest {

    private final AnchorGenerator torchvision = new AnchorGenerator(AnchorConfig.torchvisionRetinaNet());
    private final AnchorGenerator unrounded = new AnchorGenerator(AnchorConfig.retinaNet());

    /** Every torchvision anchor set of the fixture matches exactly, with its level metadata. */
    @Test
    void torchvisionModeMatchesEveryReferenceSetExactly() {
        JsonNode sets = AnchorsFixture.load().get("anchor_sets");
        assertTrue(sets.size() > 0, "no anchor sets");
        for (JsonNode set : sets) {
            int h = set.get("image_hw").get(0).asInt();
            int w = set.get("image_hw").get(1).asInt();
            double[] expected = ReferenceData.npy(set.get("file").asText()).data();
            double[] actual = torchvision.anchorCoordinates(h, w);
            assertEquals(set.get("num_anchors").asInt(), actual.length / 4);
            assertEquals(set.get("num_anchors").asInt(), torchvision.numAnchors(h, w));
            assertArrayEquals(expected, actual, 0.0, "anchors " + h + "x" + w);
            assertArrayEquals(JsonArrays.ints(set.get("level_start_index")), torchvision.levelStartIndex(h, w));
            int[][] f = torchvision.featureSizes(h, w);
            int[][] s = torchvision.levelStrides(h, w);
            assertEquals(set.get("feature_map_hw").size(), f.length, "levels");
            for (int l = 0; l < f.length; l++) {
                assertArrayEquals(JsonArrays.ints(set.get("feature_map_hw").get(l)), f[l]);
                assertArrayEquals(JsonArrays.ints(set.get("level_strides_hw_as_torchvision_computes").get(l)), s[l]);
                double[][] cells = JsonArrays.matrix(set.get("cell_anchors_per_level").get(l));
                double[][] ours = torchvision.cellAnchors(l);
                for (int c = 0; c < cells.length; c++) {
                    assertArrayEquals(cells[c], ours[c], 0.0, "level " + l + " cell " + c);
                }
            }
        }
    }

    /**
     * The unrounded formula (mmdetection's anchor generator) on every set that carries it, and it really
     * differs from torchvision's anchors by the recorded amount.
     */
    @Test
    void unroundedModeMatchesMmdetectionPort() {
        int checked = 0;
        for (JsonNode set : AnchorsFixture.load().get("anchor_sets")) {
            if (!set.has("spec_formula_file")) {
                continue;
            }
            int h = set.get("image_hw").get(0).asInt();
            int w = set.get("image_hw").get(1).asInt();
            double[] expected = ReferenceData.npy(set.get("spec_formula_file").asText()).data();
            double[] actual = unrounded.anchorCoordinates(h, w);
            assertArrayClose(expected, actual, 1e-9, "mmdetection-formula anchors " + h + "x" + w);
            double vsTorchvision = Close.maxAbsDiff(actual, torchvision.anchorCoordinates(h, w));
            assertEquals(set.get("spec_formula_max_abs_diff_vs_torchvision").asDouble(), vsTorchvision, 1e-9);
            checked++;
        }
        assertTrue(checked > 0, "no anchor set carries mmdetection-formula anchors");
    }

    @Test
    void unroundedSizesAreStrideTimesFourTimesOctaveScales() {
        double[][] cells = unrounded.cellAnchors(0);
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
        double[][] rm = unrounded.cellAnchors(2);
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
        double[] a = unrounded.anchorCoordinates(h, w);
        int[][] f = unrounded.featureSizes(h, w);
        int[] start = unrounded.levelStartIndex(h, w);
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
        assertEquals(torchvision.numAnchors(128, 256), b.size(0));
    }

    @Test
    void invalidSizesAndConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> unrounded.anchors(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new AnchorConfig(new int[0], 4, 3, new double[] {1},
                AnchorConvention.UNROUNDED, CellAnchorOrder.RATIO_MAJOR));
        assertThrows(IllegalArgumentException.class, () -> new AnchorConfig(new int[] {8}, 4, 3, new double[] {-1},
                AnchorConvention.UNROUNDED, CellAnchorOrder.RATIO_MAJOR));
    }

    @Test
    void conventionsAreReadByNameAndTheModelFileAlias() {
        for (AnchorConvention c : AnchorConvention.values()) {
            assertEquals(c, AnchorConvention.fromName(c.name()));
        }
        assertEquals(AnchorConvention.UNROUNDED, AnchorConvention.fromName("SPEC_EXACT"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnchorConvention.fromName("EXACT"));
        assertTrue(e.getMessage().contains("'EXACT'") && e.getMessage().contains("TORCHVISION"), e.getMessage());
    }
}
