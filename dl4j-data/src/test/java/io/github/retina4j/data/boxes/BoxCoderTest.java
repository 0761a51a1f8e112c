package io.github.retina4j.data.boxes;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.Close;
import io.github.retina4j.testsupport.JsonArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

import static io.github.retina4j.testsupport.Close.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoxCoderTest {

    /** torchvision BoxCoder(weights).encode_single on every foreground anchor of the fixture. */
    @Test
    void encodeMatchesTorchvision() {
        AnchorsFixture fx = AnchorsFixture.load();
        JsonNode enc = fx.get("encode");
        double[][] gt = JsonArrays.matrix(fx.get("gt_boxes"));
        int[] fg = JsonArrays.ints(enc.get("foreground_anchor_indices"));
        int[] matched = JsonArrays.ints(enc.get("matched_gt_index"));
        double[][] matchedGt = new double[fg.length][];
        for (int i = 0; i < fg.length; i++) {
            matchedGt[i] = gt[matched[i]];
        }
        BoxCoder coder = BoxCoder.torchvision(JsonArrays.doubles(enc.get("weights")));
        double[] actual = Boxes.toFlat(coder.encode(Nd4j.createFromArray(matchedGt), AnchorsFixture.rows(fx.mainAnchors(), fg)),
                "encoded");
        assertArrayClose(JsonArrays.flatten(enc.get("targets_dx_dy_dw_dh")), actual, 1e-9, "encoded deltas");
    }

    /** decode_single with the clip only from above: dw/dh above the clip clamped, below −clip not. */
    @Test
    void decodeMatchesTorchvisionIncludingUpperOnlyClamp() {
        AnchorsFixture fx = AnchorsFixture.load();
        JsonNode dec = fx.get("decode");
        INDArray anchors = AnchorsFixture.rows(fx.mainAnchors(), JsonArrays.ints(dec.get("anchor_indices")));
        BoxCoder coder = BoxCoder.torchvision(JsonArrays.doubles(dec.get("weights")));
        assertEquals(dec.get("bbox_xform_clip").asDouble(), coder.clip(), 1e-15);
        double[][] d = JsonArrays.matrix(dec.get("deltas"));
        INDArray deltas = Nd4j.createFromArray(d);
        double[] expected = JsonArrays.flatten(dec.get("decoded_boxes"));
        assertArrayClose(expected, Boxes.toFlat(coder.decode(deltas, anchors), "decoded"), 1e-9, "decoded boxes");

        // The mmdetection (symmetric) clamp must differ exactly on the rows with dw or dh below −clip.
        double[] sym = Boxes.toFlat(BoxCoder.mmdetectionDefault().decode(deltas, anchors), "decoded");
        double scale = Close.maxAbs(expected);
        int differing = 0;
        for (int i = 0; i < d.length; i++) {
            boolean belowClip = d[i][2] < -coder.clip() || d[i][3] < -coder.clip();
            boolean differs = false;
            for (int k = 0; k < 4; k++) {
                differs |= Math.abs(sym[4 * i + k] - expected[4 * i + k]) > 1e-9 * scale;
            }
            assertEquals(belowClip, differs, "row " + i);
            differing += differs ? 1 : 0;
        }
        assertTrue(differing > 0, "fixture has deltas below -clip");
    }

    /** Property: decode(encode(g, a), a) == g for random boxes, with non-trivial means/stds. */
    @Test
    void decodeInvertsEncode() {
        Random rng = new Random(11);
        int n = 50;
        double[][] g = new double[n][], a = new double[n][];
        for (int i = 0; i < n; i++) {
            double x = rng.nextDouble() * 300, y = rng.nextDouble() * 300;
            g[i] = new double[] {x, y, x + 2 + rng.nextDouble() * 100, y + 2 + rng.nextDouble() * 100};
            double ax = x + rng.nextGaussian() * 10, ay = y + rng.nextGaussian() * 10;
            a[i] = new double[] {ax, ay, ax + 5 + rng.nextDouble() * 100, ay + 5 + rng.nextDouble() * 100};
        }
        BoxCoder coder = new BoxCoder(new double[] {0.1, -0.1, 0, 0.2}, new double[] {0.1, 0.1, 0.2, 0.2},
                BoxCoder.DEFAULT_CLIP, DeltaClamp.SYMMETRIC);
        INDArray ga = Nd4j.createFromArray(g);
        INDArray aa = Nd4j.createFromArray(a);
        INDArray back = coder.decode(coder.encode(ga, aa), aa);
        assertArrayEquals(Arrays.stream(g).flatMapToDouble(Arrays::stream).toArray(), Boxes.toFlat(back, "back"), 1e-9);
    }

    /** Dense [N, 4, A] decode agrees with the row-wise decode. */
    @Test
    void decodeDenseMatchesRowwise() {
        INDArray anchors = Nd4j.createFromArray(new double[][] {{0, 0, 10, 10}, {5, 5, 25, 45}, {100, 50, 132, 66}});
        INDArray dense = Nd4j.rand(DataType.DOUBLE, 2, 4, 3).subi(0.5);
        INDArray boxes = BoxCoder.torchvisionDefault().decodeDense(dense, anchors);
        assertArrayEquals(new long[] {2, 3, 4}, boxes.shape());
        for (int n = 0; n < 2; n++) {
            INDArray rowwise = BoxCoder.torchvisionDefault().decode(dense.slice(n).transpose().dup(), anchors);
            assertArrayEquals(Boxes.toFlat(rowwise, "r"), boxes.slice(n).dup().ravel().toDoubleVector(), 1e-12);
        }
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BoxCoder(new double[4], new double[] {1, 1, 0, 1},
                BoxCoder.DEFAULT_CLIP, DeltaClamp.SYMMETRIC));
        assertThrows(IllegalArgumentException.class, () -> BoxCoder.torchvisionDefault().encode(
                Nd4j.create(DataType.DOUBLE, 2, 4), Nd4j.create(DataType.DOUBLE, 3, 4)));
    }
}
