package io.github.retina4j.eval;

import io.github.retina4j.coco.ResultsJson;

import io.github.retina4j.coco.DetectionResult;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.testsupport.JsonArrays;
import io.github.retina4j.testsupport.Npy;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COCO evaluation against pycocotools' own numbers (reference/coco_eval and reference/peer; the
 * expected values were produced by pycocotools COCOeval, see reference/README.md).
 */
class CocoEvaluatorTest {

    private static final double TOL = 1e-6;

    private static CocoEvalResult evaluateFixture(int threads) {
        CocoDataset gt = CocoJsonReader.strict().read(ReferenceData.file("coco_eval/gt.json"));
        List<DetectionResult> dets = ResultsJson.read(ReferenceData.file("coco_eval/dets.json"));
        return new CocoEvaluator(EvalParams.coco(), threads).evaluate(gt, dets);
    }

    @Test
    void twelveNumbersMatchPycocotools() {
        JsonNode expected = ReferenceData.json("coco_eval/expected.json");
        CocoEvalResult r = evaluateFixture(2);
        JsonNode names = expected.get("stats_names");
        assertEquals(names.size(), CocoEvalResult.STATS_NAMES.size());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(names.get(i).asText(), CocoEvalResult.STATS_NAMES.get(i));
            assertEquals(expected.get("stats").get(i).asDouble(), r.stats()[i], TOL, names.get(i).asText());
        }
    }

    @Test
    void iouThresholdsAreNumpyLinspace() {
        JsonNode thr = ReferenceData.json("coco_eval/expected.json").get("params").get("iouThrs");
        double[] ours = EvalParams.coco().iouThresholds();
        assertEquals(thr.size(), ours.length);
        for (int i = 0; i < ours.length; i++) {
            assertEquals(thr.get(i).asDouble(), ours[i], 0.0, "bit-exact threshold " + i);
        }
    }

    @Test
    void perCategoryMatchesPycocotools() {
        JsonNode expected = ReferenceData.json("coco_eval/expected.json").get("per_category");
        CocoEvalResult r = evaluateFixture(1);
        assertEquals(expected.size(), r.perCategory().size());
        for (CategoryMetrics c : r.perCategory()) {
            JsonNode e = expected.get(Long.toString(c.categoryId()));
            assertEquals(e.get("AP").asDouble(), c.ap(), TOL, "AP of " + c.categoryId());
            assertEquals(e.get("AP50").asDouble(), c.ap50(), TOL, "AP50 of " + c.categoryId());
            assertEquals(e.get("AP75").asDouble(), c.ap75(), TOL, "AP75 of " + c.categoryId());
            assertEquals(e.get("AR100").asDouble(), c.ar(), TOL, "AR100 of " + c.categoryId());
        }
    }

    @Test
    void recallArrayMatchesPycocotools() {
        JsonNode rec = ReferenceData.json("coco_eval/expected.json").get("recall_T_K_A_M");
        CocoEvalResult r = evaluateFixture(2);
        assertEquals(rec.size(), EvalParams.coco().iouThresholds().length);
        assertEquals(rec.get(0).size(), r.categoryIds().length);
        for (int t = 0; t < rec.size(); t++) {
            for (int k = 0; k < rec.get(t).size(); k++) {
                for (int a = 0; a < rec.get(t).get(k).size(); a++) {
                    for (int m = 0; m < rec.get(t).get(k).get(a).size(); m++) {
                        assertEquals(rec.get(t).get(k).get(a).get(m).asDouble(), r.recall(t, k, a, m), 0.0, // bit-identical
                                "recall[" + t + "," + k + "," + a + "," + m + "]");
                    }
                }
            }
        }
    }

    /** The precision file named in expected.json: [IoU thresholds, recall points, categories], area all, largest maxDets. */
    @Test
    void precisionArrayMatchesPycocotools() {
        JsonNode expected = ReferenceData.json("coco_eval/expected.json");
        JsonNode params = expected.get("params");
        Npy npy = ReferenceData.npy(expected.get("precision_file").asText());
        CocoEvalResult r = evaluateFixture(2);
        EvalParams p = EvalParams.coco();
        int nT = params.get("iouThrs").size();
        int nR = params.get("recThrs_count").asInt();
        int k0 = r.categoryIds().length;
        assertArrayEquals(new long[] {nT, nR, k0}, npy.shape());
        JsonNode maxDets = params.get("maxDets");
        int a = p.areaIndex("all");
        int m = p.maxDetsIndex(maxDets.get(maxDets.size() - 1).asInt());
        for (int t = 0; t < nT; t++) {
            for (int i = 0; i < nR; i++) {
                for (int k = 0; k < k0; k++) {
                    assertEquals(npy.data()[(t * nR + i) * k0 + k], r.precision(t, i, k, a, m), 0.0, // bit-identical
                            "precision[" + t + "," + i + "," + k + "]");
                }
            }
        }
    }

    /** The parameters pycocotools ran with are ours: recall points, maxDets, area ranges and their labels. */
    @Test
    void evaluationParametersArePycocotools() {
        JsonNode params = ReferenceData.json("coco_eval/expected.json").get("params");
        EvalParams p = EvalParams.coco();
        assertEquals(params.get("recThrs_count").asInt(), p.recallThresholds().length);
        assertArrayEquals(JsonArrays.ints(params.get("maxDets")), p.maxDets());
        JsonNode labels = params.get("areaRngLbl");
        assertEquals(labels.size(), p.areaRanges().size());
        for (int a = 0; a < labels.size(); a++) {
            assertEquals(a, p.areaIndex(labels.get(a).asText()), labels.get(a).asText());
            assertEquals(params.get("areaRng").get(a).get(0).asDouble(), p.areaRanges().get(a).min(), 0.0);
            assertEquals(params.get("areaRng").get(a).get(1).asDouble(), p.areaRanges().get(a).max(), 0.0);
        }
    }

    @Test
    void summaryTextMatchesPycocotoolsPrintout() {
        JsonNode fixture = ReferenceData.json("coco_eval/expected.json");
        String[] lines = fixture.get("summary_text").asText().split("\n");
        // pycocotools prints its progress first, then one line per summary number
        int n = fixture.get("stats_names").size();
        List<String> tail = List.of(lines).subList(lines.length - n, lines.length);
        assertEquals(String.join("\n", tail) + "\n", evaluateFixture(1).summaryText().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void singleAndMultiThreadedAgreeExactly() {
        CocoEvalResult one = evaluateFixture(1);
        CocoEvalResult two = evaluateFixture(2);
        assertArrayEquals(one.precisionArray(), two.precisionArray(), 0.0);
        assertArrayEquals(one.recallArray(), two.recallArray(), 0.0);
    }

    @Test
    void peerGoldenPairMatchesPycocotools() {
        JsonNode expected = ReferenceData.json("peer/expected_bbox_val2014_100.json");
        CocoDataset gt = CocoJsonReader.strict().read(ReferenceData.file("peer/instances_val2014_100.json"));
        List<DetectionResult> dets = ResultsJson.read(ReferenceData.file("peer/instances_val2014_fakebbox100_results.json"));
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, dets);
        assertEquals(expected.get("keys").size(), CocoEvalResult.STATS_NAMES.size());
        for (int i = 0; i < expected.get("keys").size(); i++) {
            assertEquals(expected.get("keys").get(i).asText(), CocoEvalResult.STATS_NAMES.get(i));
            assertEquals(expected.get("stats").get(i).asDouble(), r.stats()[i], TOL, CocoEvalResult.STATS_NAMES.get(i));
        }
        assertEquals(dets.size(), r.counts().get("detections"));
    }

    @Test
    void jsonOutputHoldsStatsAndCategories() throws Exception {
        CocoEvalResult r = evaluateFixture(1);
        JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.toJson());
        assertEquals("coco_bbox", json.get("evaluation").asText());
        assertEquals(r.stat("AP"), json.get("stats").get("AP").asDouble(), 0.0);
        assertEquals(r.perCategory().size(), json.get("per_category").size());
        assertTrue(r.perCategoryTable().contains("AR100"));
    }

    // ---- hand-built cases with known answers ----

    private static final int ALL = 0;
    private static final int MAX100 = 2;

    /** Two images, two categories, boxes of all three sizes. */
    private static GroundTruth.Builder twoImages() {
        return GroundTruth.builder().image(1).image(2).category(1, "a", null).category(2, "b", null)
                .annotation(1, 1, 1, 10, 10, 20, 20, 400, false, false)      // small
                .annotation(2, 1, 2, 50, 50, 60, 60, 3600, false, false)     // medium
                .annotation(3, 2, 1, 0, 0, 200, 150, 30000, false, false);   // large
    }

    private static DetectionResult det(long img, long cat, double x, double y, double w, double h, double score) {
        return new DetectionResult(img, cat, x, y, w, h, score);
    }

    @Test
    void perfectDetectorScoresOne() {
        List<DetectionResult> dets = List.of(det(1, 1, 10, 10, 20, 20, 0.9), det(1, 2, 50, 50, 60, 60, 0.8),
                det(2, 1, 0, 0, 200, 150, 0.7));
        CocoEvalResult r = new CocoEvaluator().evaluate(twoImages().build(), dets);
        for (String name : CocoEvalResult.STATS_NAMES) {
            // precision is tp / (tp + fp + eps) in pycocotools, so "1" is 1 - 2.2e-16
            assertEquals(1.0, r.stat(name), 1e-12, name);
        }
    }

    @Test
    void emptyResultsScoreZero() {
        CocoEvalResult r = new CocoEvaluator().evaluate(twoImages().build(), List.of());
        for (String name : CocoEvalResult.STATS_NAMES) {
            assertEquals(0.0, r.stat(name), 0.0, name);
        }
        assertEquals(0L, r.counts().get("detections"));
    }

    @Test
    void crowdOnlyImageIgnoresDetectionsInsideTheCrowd() {
        GroundTruth gt = twoImages().image(3)
                .annotation(4, 3, 1, 0, 0, 300, 300, 90000, true, false)   // crowd region, category 1
                .annotation(5, 3, 2, 0, 0, 300, 300, 90000, true, false)   // crowd region, category 2
                .build();
        List<DetectionResult> perfect = List.of(det(1, 1, 10, 10, 20, 20, 0.5), det(1, 2, 50, 50, 60, 60, 0.5),
                det(2, 1, 0, 0, 200, 150, 0.5));
        List<DetectionResult> withCrowdHits = new java.util.ArrayList<>(perfect);
        // small boxes inside the crowd region, scored above the true positives: IoU by detection area = 1
        for (int i = 0; i < 5; i++) {
            withCrowdHits.add(det(3, 1, 10 + 20 * i, 10, 15, 15, 0.9 - 0.01 * i));
            withCrowdHits.add(det(3, 2, 10 + 20 * i, 50, 15, 15, 0.95 - 0.01 * i));
        }
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, withCrowdHits);
        assertEquals(1.0, r.stat("AP"), 1e-12, "crowd hits are neither true nor false positives");
        assertEquals(1.0, r.stat("AR100"), 1e-12);

        // the same boxes on an image whose only annotation is crowd, outside the crowd: false positives
        List<DetectionResult> outside = new java.util.ArrayList<>(perfect);
        outside.add(det(3, 1, 400, 400, 15, 15, 0.99));
        CocoEvalResult r2 = new CocoEvaluator().evaluate(gt, outside);
        assertTrue(r2.stat("AP") < 1.0);

        // a category whose only ground truth is crowd has no AP (-1), like pycocotools
        GroundTruth crowdOnly = GroundTruth.builder().image(1).category(7, "c", null)
                .annotation(1, 1, 7, 0, 0, 50, 50, 2500, true, false).build();
        CocoEvalResult r3 = new CocoEvaluator().evaluate(crowdOnly, List.of(det(1, 7, 0, 0, 50, 50, 0.9)));
        assertEquals(-1.0, r3.perCategory().get(0).ap(), 0.0);
        assertEquals(-1.0, r3.stat("AP"), 0.0);
    }

    @Test
    void duplicateDetectionIsAFalsePositive() {
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", null)
                .annotation(1, 1, 1, 0, 0, 100, 100, 10000, false, false)
                .annotation(2, 1, 1, 200, 200, 100, 100, 10000, false, false).build();
        List<DetectionResult> dets = List.of(det(1, 1, 0, 0, 100, 100, 0.9), det(1, 1, 0, 0, 100, 100, 0.8),
                det(1, 1, 200, 200, 100, 100, 0.7));
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, dets);
        // TP, FP, TP: recall 0.5 reached at precision 1, recall 1 at precision 2/3 (+ numpy eps)
        double p2 = 2.0 / (1 + 2 + EvaluationEngine.SPACING_1);
        double[] rec = EvalParams.coco().recallThresholds();
        double sum = 0;
        for (double t : rec) {
            sum += t <= 0.5 ? 1.0 : p2;
        }
        assertEquals(sum / rec.length, r.stat("AP"), 1e-12);
        assertEquals(1.0, r.stat("AR100"), 0.0);
        assertEquals(0.5, r.stat("AR1"), 0.0);
    }

    @Test
    void onlyTheHundredBestDetectionsPerImageAndCategoryCount() {
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", null).category(2, "b", null)
                .annotation(1, 1, 1, 0, 0, 100, 100, 10000, false, false).build();
        List<DetectionResult> dets = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            dets.add(det(1, 1, 500 + i, 500, 10, 10, 0.9 - i * 1e-3)); // false positives
        }
        dets.add(det(1, 1, 0, 0, 100, 100, 0.9 - 119.5e-3)); // the true box, ranked 121st
        CocoEvalResult cut = new CocoEvaluator().evaluate(gt, dets);
        assertEquals(0.0, cut.stat("AP"), 0.0);
        assertEquals(0.0, cut.stat("AR100"), 0.0);
        assertEquals(51L, cut.counts().get("detections_beyond_max_dets_per_image_and_category"));

        List<DetectionResult> ranked51 = new java.util.ArrayList<>(dets.subList(0, 150));
        ranked51.add(det(1, 1, 0, 0, 100, 100, 0.9 - 49.5e-3)); // ranked 51st
        // 150 more detections of another category on the same image do not push it out (limit is per category)
        for (int i = 0; i < 150; i++) {
            ranked51.add(det(1, 2, 0, 0, 100, 100, 0.99));
        }
        CocoEvalResult kept = new CocoEvaluator().evaluate(gt, ranked51);
        double p = 1.0 / (50 + 1 + EvaluationEngine.SPACING_1);
        assertEquals(p, kept.stat("AP"), 1e-12);
        assertEquals(1.0, kept.stat("AR100"), 0.0);
        assertEquals(0.0, kept.stat("AR10"), 0.0);
        assertEquals(0.0, kept.stat("AR1"), 0.0);
    }

    @Test
    void equalScoresKeepResultsOrder() {
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", null)
                .annotation(1, 1, 1, 0, 0, 100, 100, 10000, false, false).build();
        // same score: the first entry is matched first (stable sort), the better box second is then a FP
        DetectionResult worse = det(1, 1, 0, 0, 100, 60, 0.5);   // IoU 0.6
        DetectionResult better = det(1, 1, 0, 0, 100, 95, 0.5);  // IoU 0.95
        CocoEvalResult a = new CocoEvaluator().evaluate(gt, List.of(worse, better));
        CocoEvalResult b = new CocoEvaluator().evaluate(gt, List.of(better, worse));
        // thresholds 0.50..0.60 (3 of 10): 'worse' wins in a; from 0.65 on only 'better' matches
        assertEquals(1.0, b.recall(9, 0, ALL, MAX100), 0.0);
        assertEquals(1.0, a.recall(9, 0, ALL, MAX100), 0.0);
        assertEquals(1.0, b.precision(0, 100, 0, ALL, MAX100), 1e-12);
        assertEquals(1.0, a.precision(0, 100, 0, ALL, MAX100), 1e-12); // TP first, then FP: envelope keeps 1 at recall 1
        assertEquals(1.0, a.precision(5, 100, 0, ALL, MAX100) * 2, 1e-12); // IoU 0.75: FP then TP -> 1/2
    }

    @Test
    void areaRangeBoundsAreInclusive() {
        // area exactly 32^2 is both small and medium (pycocotools tests area < lo || area > hi)
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", null)
                .annotation(1, 1, 1, 0, 0, 32, 32, 1024, false, false).build();
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, List.of(det(1, 1, 0, 0, 32, 32, 0.9)));
        assertEquals(1.0, r.stat("APs"), 1e-12);
        assertEquals(1.0, r.stat("APm"), 1e-12);
        assertEquals(-1.0, r.stat("APl"), 0.0);
    }

    @Test
    void unknownIdsInResultsNameTheEntry() {
        GroundTruth gt = twoImages().build();
        IllegalArgumentException img = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CocoEvaluator().evaluate(gt, List.of(det(1, 1, 0, 0, 1, 1, 0.5), det(99, 1, 0, 0, 1, 1, 0.5))));
        assertTrue(img.getMessage().contains("entry 1") && img.getMessage().contains("image_id 99"), img.getMessage());
        IllegalArgumentException cat = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CocoEvaluator().evaluate(gt, List.of(det(2, 42, 0, 0, 1, 1, 0.5))));
        assertTrue(cat.getMessage().contains("entry 0") && cat.getMessage().contains("category_id 42"), cat.getMessage());
        IllegalArgumentException nan = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CocoEvaluator().evaluate(gt, List.of(det(2, 1, 0, 0, 1, 1, 0.5), det(2, 1, 0, 0, 1, 1, Double.NaN))));
        assertTrue(nan.getMessage().contains("entry 1") && nan.getMessage().contains("NaN"), nan.getMessage());
    }

    @Test
    void annotationIdZeroCanBeATruePositive() {
        // pycocotools marks "unmatched" with a gt id of 0, so it would count this match as a false
        // positive; the documented difference: here the match counts.
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", null)
                .annotation(0, 1, 1, 0, 0, 50, 50, 2500, false, false).build();
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, List.of(det(1, 1, 0, 0, 50, 50, 0.9)));
        assertEquals(1.0, r.stat("AP"), 1e-12);
    }
}
