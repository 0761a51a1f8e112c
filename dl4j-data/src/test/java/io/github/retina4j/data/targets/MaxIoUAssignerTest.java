package io.github.retina4j.data.targets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.boxes.Boxes;
import io.github.retina4j.data.boxes.AnchorsFixture;
import io.github.retina4j.testsupport.JsonArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaxIoUAssignerTest {

    private final MaxIoUAssigner torchvision = new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet());
    private final MaxIoUAssigner mmdet = new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet()
            .withLowQualityMatching(LowQualityMatching.MMDETECTION));

    private static final AnchorsFixture FIXTURE = AnchorsFixture.load();

    private static double[] fixtureAnchors() {
        return FIXTURE.mainAnchorCoordinates();
    }

    private static double[] fixtureGt() {
        return FIXTURE.gtCoordinates();
    }

    /** A matcher with the fixture's thresholds and the given low-quality rule. */
    private static MaxIoUAssigner fixtureMatcher(LowQualityMatching rule) {
        JsonNode m = FIXTURE.get("matcher");
        return new MaxIoUAssigner(new MaxIoUAssigner.Config(m.get("high_threshold").asDouble(),
                m.get("low_threshold").asDouble(), rule, 0.0, MaxIoUAssigner.Config.retinaNet().ignoreIofThreshold()));
    }

    /** Matcher(high, low, allow_low_quality_matches) codes for every anchor of the fixture's main image. */
    @Test
    void codesMatchTorchvisionMatcher() {
        JsonNode m = FIXTURE.get("matcher");
        int[] expected = FIXTURE.matchedCodes();
        MaxIoUAssigner matcher = fixtureMatcher(m.get("allow_low_quality_matches").asBoolean()
                ? LowQualityMatching.TORCHVISION : LowQualityMatching.NONE);
        Assignment a = matcher.assign(fixtureAnchors(), fixtureGt(), new double[0]);
        assertArrayEquals(expected, a.matchedGtIndices());
        assertEquals(m.get("num_positive").asInt(), a.numPositive());
        assertEquals(m.get("num_ignored").asInt(), a.numIgnored());
        assertEquals(m.get("num_background").asInt(), a.numBackground());
        // Best IoU per gt as recorded (max over anchors of the per-anchor IoU column).
        double[] bestPerGt = JsonArrays.doubles(m.get("best_iou_per_gt"));
        INDArray iou = Boxes.iou(FIXTURE.gtBoxes(), FIXTURE.mainAnchors());
        for (int g = 0; g < bestPerGt.length; g++) {
            assertEquals(bestPerGt[g], iou.getRow(g).maxNumber().doubleValue(), 1e-12);
        }
    }

    /** Ties: every anchor sharing a gt's best IoU is matched (to its own argmax), e.g. a tiny gt's many anchors. */
    @Test
    void allTiedBestAnchorsAreMatched() {
        JsonNode m = FIXTURE.get("matcher");
        Assignment a = fixtureMatcher(LowQualityMatching.TORCHVISION).assign(fixtureAnchors(), fixtureGt(), new double[0]);
        JsonNode tied = m.get("anchors_with_best_iou_per_gt");
        assertEquals(FIXTURE.gtBoxes().size(0), tied.size(), "one list of tied best anchors per gt");
        for (int g = 0; g < tied.size(); g++) {
            for (JsonNode idx : tied.get(g)) {
                assertTrue(a.matched(idx.asInt()) >= 0, "gt " + g + " best anchor " + idx.asInt());
            }
        }
        // Without the low-quality rule exactly the listed anchors change.
        int[] plain = fixtureMatcher(LowQualityMatching.NONE).assign(fixtureAnchors(), fixtureGt(), new double[0]).matchedGtIndices();
        int[] changed = JsonArrays.ints(m.get("anchors_changed_by_low_quality_rule"));
        int nChanged = 0;
        for (int i = 0; i < plain.length; i++) {
            if (plain[i] != a.matched(i)) {
                assertTrue(java.util.Arrays.binarySearch(changed, i) >= 0, "anchor " + i + " changed unexpectedly");
                nChanged++;
            }
        }
        assertEquals(changed.length, nChanged);
    }

    /** A gt's best anchor taken by another gt (torchvision keeps the anchor's own argmax; mmdetection gives it to g). */
    @Test
    void oneAnchorBestForTwoGts() {
        double[] anchors = {0, 0, 10, 10, 100, 100, 110, 110};
        double[] gt = {0, 0, 10, 12, 0, 0, 14, 10}; // IoU with anchor 0: 0.833 and 0.714; both best at anchor 0
        Assignment tv = torchvision.assign(anchors, gt, new double[0]);
        Assignment mm = mmdet.assign(anchors, gt, new double[0]);
        assertEquals(0, tv.matched(0));
        assertEquals(1, mm.matched(0));
        assertEquals(Assignment.BACKGROUND, tv.matched(1));
        // The fixture's recorded case behaves like torchvision.
        JsonNode m = FIXTURE.get("matcher");
        Assignment a = fixtureMatcher(LowQualityMatching.TORCHVISION).assign(fixtureAnchors(), fixtureGt(), new double[0]);
        Assignment b = fixtureMatcher(LowQualityMatching.MMDETECTION).assign(fixtureAnchors(), fixtureGt(), new double[0]);
        for (JsonNode idx : m.get("best_anchors_assigned_to_another_gt")) {
            assertNotEquals(a.matched(idx.asInt()), b.matched(idx.asInt()), "anchor " + idx.asInt());
        }
    }

    /** Property: the grid-accelerated path gives exactly the generic result (fixture, random gts, crowd boxes, sizes). */
    @Test
    void gridPathEqualsGenericPath() {
        AnchorGenerator tv = new AnchorGenerator(AnchorConfig.torchvisionRetinaNet());
        assertEquals(torchvision.assign(fixtureAnchors(), fixtureGt(), new double[0]),
                torchvision.assign(tv.layout(FIXTURE.height(), FIXTURE.width()), tv.anchorCoordinates(FIXTURE.height(), FIXTURE.width()),
                        fixtureGt(), new double[0]));
        java.util.Random rng = new java.util.Random(9);
        for (AnchorGenerator gen : new AnchorGenerator[] {tv, new AnchorGenerator(AnchorConfig.retinaNet())}) {
            for (int t = 0; t < 6; t++) {
                int h = 64 + 32 * rng.nextInt(8), w = 64 + 32 * rng.nextInt(8);
                int g = rng.nextInt(12);
                double[] gt = new double[4 * g];
                for (int i = 0; i < g; i++) {
                    // Includes boxes partly or wholly outside the image, tiny and huge boxes.
                    double x = rng.nextDouble() * (w + 40) - 20, y = rng.nextDouble() * (h + 40) - 20;
                    double s = Math.exp(rng.nextDouble() * Math.log(600));
                    gt[4 * i] = x;
                    gt[4 * i + 1] = y;
                    gt[4 * i + 2] = x + s * (0.5 + rng.nextDouble());
                    gt[4 * i + 3] = y + s * (0.5 + rng.nextDouble());
                }
                double[] crowd = t % 2 == 0 ? new double[0] : new double[] {0, 0, w / 3.0, h / 2.0};
                double[] anchors = gen.anchorCoordinates(h, w);
                for (MaxIoUAssigner m : new MaxIoUAssigner[] {torchvision, mmdet}) {
                    assertEquals(m.assign(anchors, gt, crowd), m.assign(gen.layout(h, w), anchors, gt, crowd), h + "x" + w);
                }
            }
        }
    }

    @Test
    void imageWithoutGtIsAllBackground() {
        double[] anchors = new AnchorGenerator(AnchorConfig.retinaNet()).anchorCoordinates(64, 64);
        Assignment a = torchvision.assign(anchors, new double[0], new double[0]);
        assertEquals(anchors.length / 4, a.numBackground());
        assertEquals(0, a.numPositive());
        assertEquals(0, a.numIgnored());
    }

    /** Crowd regions: anchors mostly inside an ignore box are ignored, even where they would match a real gt. */
    @Test
    void crowdBoxesIgnoreAnchorsInside() {
        double[] anchors = {0, 0, 10, 10, 5, 5, 15, 15, 50, 50, 60, 60, 200, 200, 210, 210};
        double[] gt = {50, 50, 60, 60};
        double[] crowd = {0, 0, 12, 12, 48, 48, 100, 100};
        Assignment a = torchvision.assign(anchors, gt, crowd);
        assertEquals(Assignment.IGNORED, a.matched(0)); // IoF 1
        assertEquals(Assignment.BACKGROUND, a.matched(1)); // IoF 49/100 = 0.49, not above 0.5
        assertEquals(Assignment.IGNORED, a.matched(2)); // inside the second crowd box, despite IoU 1 with the gt
        assertEquals(Assignment.BACKGROUND, a.matched(3));
        assertEquals(-1.0, a.maxIou(2));
        // Without crowd boxes anchor 2 is positive; with the IoF threshold lowered to 0.4 anchor 1 is ignored too.
        assertEquals(0, torchvision.assign(anchors, gt, new double[0]).matched(2));
        MaxIoUAssigner loose = new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet().withIgnoreIofThreshold(0.4));
        assertEquals(Assignment.IGNORED, loose.assign(anchors, gt, crowd).matched(1));
        MaxIoUAssigner off = new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet().withIgnoreIofThreshold(-1));
        assertEquals(0, off.assign(anchors, gt, crowd).matched(2));
        // All anchors of an image without gts but with a crowd box: background except those in the crowd.
        Assignment empty = torchvision.assign(anchors, new double[0], crowd);
        assertEquals(Assignment.IGNORED, empty.matched(0));
        assertEquals(Assignment.BACKGROUND, empty.matched(3));
    }

    @Test
    void degenerateAndOversizedBoxes() {
        double[] anchors = new AnchorGenerator(AnchorConfig.retinaNet()).anchorCoordinates(128, 128);
        // Zero-area gt: overlaps nothing, gets no low-quality match, no NaN; the other gts still match.
        double[] gt = {40, 40, 40, 80, -50, -50, 500, 500, 10, 10, 42, 42};
        Assignment a = torchvision.assign(anchors, gt, new double[0]);
        boolean largeMatched = false;
        boolean smallMatched = false;
        for (int i = 0; i < a.numAnchors(); i++) {
            assertNotEquals(0, a.matched(i), "zero-area gt matched anchor " + i);
            assertTrue(Double.isFinite(a.maxIou(i)));
            largeMatched |= a.matched(i) == 1;
            smallMatched |= a.matched(i) == 2;
        }
        assertTrue(largeMatched, "a gt larger than the image keeps its best anchor");
        assertTrue(smallMatched);
    }

    @Test
    void invalidBoxesAreRejectedWithTheirIndex() {
        double[] anchors = {0, 0, 10, 10};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> torchvision.assign(anchors, new double[] {0, 0, 5, 5, 10, 10, 5, 20}, new double[0]));
        assertTrue(e.getMessage().contains("gt boxes: box 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> torchvision.assign(anchors, new double[] {0, Double.NaN, 5, 5}, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> torchvision.assign(anchors, new double[] {0, 0, 5}, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> new MaxIoUAssigner.Config(0.4, 0.5, LowQualityMatching.NONE, 0, -1));
    }
}
