package io.github.retina4j.data.targets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.boxes.AnchorsFixture;
import io.github.retina4j.testsupport.JsonArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Random;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetEncoderTest {

    private static final int C = 3;

    private static final AnchorsFixture FIXTURE = AnchorsFixture.load();

    private static GroundTruth fixtureGt() {
        double[] boxes = FIXTURE.gtCoordinates();
        int[] classes = new int[boxes.length / 4];
        for (int g = 0; g < classes.length; g++) {
            classes[g] = g % C;
        }
        return GroundTruth.of(boxes, classes, null);
    }

    /** Dense targets of the fixture image (plus an empty image) agree with torchvision's matcher and encoder. */
    @Test
    void denseTargetsMatchTorchvisionMatcherAndEncoder() {
        JsonNode fx = FIXTURE.json();
        int h = FIXTURE.height();
        int w = FIXTURE.width();
        TargetEncoder enc = TargetEncoder.retinaNet(new AnchorGenerator(AnchorConfig.torchvisionRetinaNet()), C);
        GroundTruth gt = fixtureGt();
        DenseTargets t = enc.encode(List.of(gt, GroundTruth.empty()), h, w);
        int[] matched = FIXTURE.matchedCodes();
        int a = matched.length;
        assertArrayEquals(new long[] {2, C, a}, t.classTargets().shape());
        assertArrayEquals(new long[] {2, 4, a}, t.boxTargets().shape());
        assertArrayEquals(new long[] {2, a}, t.classMask().shape());
        assertArrayEquals(new long[] {2, a}, t.boxMask().shape());
        assertEquals(DataType.FLOAT, t.classTargets().dataType());
        assertEquals(fx.get("matcher").get("num_positive").asInt(), t.numPositive());

        double[] clsMask = t.classMask().getRow(0).toDoubleVector();
        double[] boxMask = t.boxMask().getRow(0).toDoubleVector();
        INDArray cls0 = t.classTargets().slice(0);
        int[] classes = gt.classes();
        for (int j = 0; j < a; j++) {
            assertEquals(matched[j] == Assignment.IGNORED ? 0.0 : 1.0, clsMask[j], "class mask " + j);
            assertEquals(matched[j] >= 0 ? 1.0 : 0.0, boxMask[j], "box mask " + j);
        }
        // One-hot: column sums are 1 exactly at positives, at the matched gt's class.
        double[] colSum = cls0.sum(0).toDoubleVector();
        for (int j = 0; j < a; j++) {
            assertEquals(matched[j] >= 0 ? 1.0 : 0.0, colSum[j]);
            if (matched[j] >= 0) {
                assertEquals(1.0, cls0.getDouble(classes[matched[j]], j));
            }
        }
        // Regression targets at the foreground anchors: torchvision's encode (float32 storage).
        JsonNode e = fx.get("encode");
        int[] fg = JsonArrays.ints(e.get("foreground_anchor_indices"));
        double[][] expected = JsonArrays.matrix(e.get("targets_dx_dy_dw_dh"));
        INDArray box0 = t.boxTargets().slice(0);
        for (int i = 0; i < fg.length; i++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(expected[i][k], box0.getDouble(k, fg[i]), 1e-6 * Math.max(1, Math.abs(expected[i][k])));
            }
        }
        assertEquals(0.0, t.boxTargets().slice(0).mul(t.boxMask().getRow(0).rsub(1)).sumNumber().doubleValue(), "zero off positives");
        // The empty image: every anchor background and used.
        assertEquals(a, t.classMask().getRow(1).sumNumber().intValue());
        assertEquals(0, t.boxMask().getRow(1).sumNumber().intValue());
        assertEquals(0, t.classTargets().slice(1).sumNumber().intValue());
        assertEquals(Assignment.BACKGROUND, t.assignments().get(1).matched(0));
    }

    /** With a sampler only the sampled anchors are used; the seed makes it reproducible. */
    @Test
    void samplerRestrictsMasksAndIsSeeded() {
        AnchorGenerator gen = new AnchorGenerator(AnchorConfig.torchvisionRetinaNet());
        int num = 64;
        CombinedSampler sampler = CombinedSampler.random(num, 0.25);
        TargetEncoder enc = new TargetEncoder(gen, new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet()),
                io.github.retina4j.data.boxes.BoxCoder.torchvisionDefault(), C, sampler, 7L);
        int h = FIXTURE.height();
        int w = FIXTURE.width();
        DenseTargets t1 = enc.encode(List.of(fixtureGt()), h, w, new Random(42));
        DenseTargets t2 = enc.encode(List.of(fixtureGt()), h, w, new Random(42));
        assertIdentical("class mask, same seed", t1.classMask(), t2.classMask());
        // mmdetection's sampler: up to num·fraction positives, the rest of num from the negatives.
        JsonNode m = FIXTURE.get("matcher");
        int positives = Math.min((int) (num * 0.25), m.get("num_positive").asInt());
        int used = positives + Math.min(num - positives, m.get("num_background").asInt());
        assertEquals(used, t1.classMask().sumNumber().intValue());
        assertEquals(positives, t1.boxMask().sumNumber().intValue());
        assertEquals(positives, t1.numPositive());
        assertEquals(positives, t1.classTargets().sumNumber().intValue());
        // Sampled positives are positives of the assignment; box mask ⊆ class mask.
        Assignment asg = t1.assignments().get(0);
        double[] bm = t1.boxMask().getRow(0).toDoubleVector();
        double[] cm = t1.classMask().getRow(0).toDoubleVector();
        for (int j = 0; j < bm.length; j++) {
            if (bm[j] > 0) {
                assertTrue(asg.matched(j) >= 0 && cm[j] > 0);
            }
            if (cm[j] > 0) {
                assertTrue(asg.matched(j) != Assignment.IGNORED);
            }
        }
        DenseTargets other = enc.encode(List.of(fixtureGt()), h, w, new Random(43));
        assertTrue(!other.classMask().equals(t1.classMask()), "a different seed samples differently");
    }

    @Test
    void badInputNamesImageAndBox() {
        TargetEncoder enc = TargetEncoder.retinaNet(new AnchorGenerator(AnchorConfig.retinaNet()), C);
        GroundTruth badClass = GroundTruth.of(new double[] {0, 0, 10, 10}, new int[] {C}, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> enc.encode(List.of(GroundTruth.empty(), badClass), 64, 64));
        assertTrue(e.getMessage().contains("image 1") && e.getMessage().contains("class index 3"), e.getMessage());
        GroundTruth inverted = GroundTruth.of(new double[] {10, 0, 0, 10}, new int[] {0}, null);
        e = assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of(inverted), 64, 64));
        assertTrue(e.getMessage().contains("image 0") && e.getMessage().contains("box 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of(), 64, 64));
        assertThrows(IllegalArgumentException.class, () -> GroundTruth.of(new double[] {0, 0, 1, 1}, new int[0], null));
    }
}
