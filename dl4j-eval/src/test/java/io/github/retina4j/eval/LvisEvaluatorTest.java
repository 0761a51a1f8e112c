package io.github.retina4j.eval;

import io.github.retina4j.coco.ResultsJson;

import io.github.retina4j.coco.DetectionResult;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.testsupport.Npy;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LVIS evaluation against lvis-api's numbers (reference/lvis_eval, produced by LVISEval, see reference/README.md). */
class LvisEvaluatorTest {

    private static final double TOL = 1e-6;

    private static LvisEvalResult evaluateFixture(int threads) {
        CocoDataset gt = CocoJsonReader.strict().read(ReferenceData.file("lvis_eval/gt.json"));
        List<DetectionResult> dets = ResultsJson.read(ReferenceData.file("lvis_eval/dets.json"));
        return new LvisEvaluator(EvalParams.lvis(), threads).evaluate(gt, dets);
    }

    @Test
    void resultsMatchLvisApi() {
        JsonNode expected = ReferenceData.json("lvis_eval/expected.json");
        LvisEvalResult r = evaluateFixture(2);
        JsonNode order = expected.get("results_order");
        assertEquals(order.size(), r.results().size());
        Iterator<Map.Entry<String, Double>> it = r.results().entrySet().iterator();
        for (JsonNode name : order) {
            Map.Entry<String, Double> e = it.next();
            assertEquals(name.asText(), e.getKey());
            assertEquals(expected.get("results").get(name.asText()).asDouble(), e.getValue(), TOL, name.asText());
        }
    }

    @Test
    void perCategoryApAndFrequencyMatchLvisApi() {
        JsonNode expected = ReferenceData.json("lvis_eval/expected.json").get("per_category");
        LvisEvalResult r = evaluateFixture(1);
        assertEquals(expected.size(), r.perCategory().size());
        for (CategoryMetrics c : r.perCategory()) {
            JsonNode e = expected.get(Long.toString(c.categoryId()));
            assertEquals(e.get("AP").asDouble(), c.ap(), TOL, "AP of " + c.categoryId());
            assertEquals(e.get("frequency").asText(), c.frequency());
            assertEquals(e.get("num_gt").asInt(), c.numGt(), "num_gt of " + c.categoryId());
        }
    }

    /** The precision file named in expected.json: [IoU thresholds, recall points, categories], area all. */
    @Test
    void precisionArrayMatchesLvisApi() {
        JsonNode expected = ReferenceData.json("lvis_eval/expected.json");
        Npy npy = ReferenceData.npy(expected.get("precision_file").asText());
        LvisEvalResult r = evaluateFixture(2);
        EvalParams p = EvalParams.lvis();
        int nT = p.iouThresholds().length;
        int nR = p.recallThresholds().length;
        int k0 = r.categoryIds().length;
        assertArrayEquals(new long[] {nT, nR, k0}, npy.shape());
        int a = p.areaIndex("all");
        for (int t = 0; t < nT; t++) {
            for (int i = 0; i < nR; i++) {
                for (int k = 0; k < k0; k++) {
                    assertEquals(npy.data()[(t * nR + i) * k0 + k], r.precision(t, i, k, a), 0.0, // bit-identical
                            "precision[" + t + "," + i + "," + k + "]");
                }
            }
        }
    }

    @Test
    void summaryTextMatchesLvisApiPrintout() {
        String expected = ReferenceData.json("lvis_eval/expected.json").get("summary_text").asText();
        assertEquals(expected.strip(), evaluateFixture(1).summaryText().replace(System.lineSeparator(), "\n").strip());
    }

    @Test
    void countsReportWhatTheFederatedRulesLeftOut() {
        JsonNode facts = ReferenceData.json("lvis_eval/expected.json").get("dataset_facts");
        LvisEvalResult r = evaluateFixture(1);
        Map<String, Long> c = r.counts();
        assertEquals(facts.get("detections").asLong(), c.get("detections"));
        // one image holds max_detections_in_one_image > 300 detections: the excess is cut first
        assertEquals(facts.get("max_detections_in_one_image").asLong() - EvalParams.LVIS_MAX_DETS_PER_IMAGE,
                c.get("detections_beyond_max_dets_per_image"));
        assertTrue(c.get("detections_outside_federated_sets") > 0);
        assertEquals(c.get("detections"), c.get("detections_beyond_max_dets_per_image") + c.get("detections_without_positive_area")
                + c.get("detections_outside_federated_sets") + c.get("detections_evaluated"));
    }

    @Test
    void categoriesWithoutFrequencyAreRejected() {
        CocoDataset coco = CocoJsonReader.strict().read(ReferenceData.file("coco_eval/gt.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LvisEvaluator().evaluate(coco, List.of()));
        assertTrue(e.getMessage().contains("frequency"), e.getMessage());
    }

    // ---- hand-built federated cases ----

    /** Image 1: category 1 positive, 2 negative, 3 not exhaustive (and positive), 4 unknown for the image. */
    private static GroundTruth federated() {
        return GroundTruth.builder().image(1).category(1, "a", "f").category(2, "b", "c").category(3, "c", "r")
                .category(4, "d", "f")
                .annotation(1, 1, 1, 0, 0, 100, 100, 10000, false, false)
                .annotation(2, 1, 3, 200, 200, 50, 50, 2500, false, false)
                .negativeCategories(1, 2).notExhaustiveCategories(1, 3).build();
    }

    private static DetectionResult det(long cat, double x, double y, double w, double h, double score) {
        return new DetectionResult(1, cat, x, y, w, h, score);
    }

    @Test
    void federatedRulesDecideWhatCounts() {
        List<DetectionResult> perfect = List.of(det(1, 0, 0, 100, 100, 0.5), det(3, 200, 200, 50, 50, 0.5));
        LvisEvalResult base = new LvisEvaluator().evaluate(federated(), perfect);
        assertEquals(1.0, base.result("AP"), 1e-12);

        // a high-scoring unmatched detection of the not-exhaustive category 3 is ignored
        List<DetectionResult> ne = new java.util.ArrayList<>(perfect);
        ne.add(det(3, 400, 400, 30, 30, 0.9));
        assertEquals(1.0, new LvisEvaluator().evaluate(federated(), ne).result("APr"), 1e-12);

        // a category the image says nothing about (4) is dropped and counted
        List<DetectionResult> unknown = new java.util.ArrayList<>(perfect);
        unknown.add(det(4, 0, 0, 100, 100, 0.9));
        LvisEvalResult u = new LvisEvaluator().evaluate(federated(), unknown);
        assertEquals(1.0, u.result("AP"), 1e-12);
        assertEquals(1L, u.counts().get("detections_outside_federated_sets"));

        // a high-scoring false positive of category 1 (positive) does count
        List<DetectionResult> fp = new java.util.ArrayList<>(perfect);
        fp.add(det(1, 400, 400, 30, 30, 0.9));
        LvisEvalResult f = new LvisEvaluator().evaluate(federated(), fp);
        assertTrue(f.perCategory().get(0).ap() < 0.6, "FP before the TP halves the precision");
        // the negative category 2 has no ground truth anywhere: AP -1, left out of APc
        assertEquals(-1.0, f.perCategory().get(1).ap(), 0.0);
        assertEquals(-1.0, f.result("APc"), 0.0);
    }

    @Test
    void onlyThe300BestDetectionsOfAnImageAreKept() {
        GroundTruth gt = GroundTruth.builder().image(1).category(1, "a", "f").category(2, "b", "f")
                .annotation(1, 1, 1, 0, 0, 100, 100, 10000, false, false)
                .annotation(2, 1, 2, 0, 0, 100, 100, 10000, false, false).build();
        List<DetectionResult> dets = new java.util.ArrayList<>();
        dets.add(det(1, 0, 0, 100, 100, 0.5)); // the true box of category 1, 301st best of the image
        for (int i = 0; i < 300; i++) {
            dets.add(det(2, 200 + i, 200, 10, 10, 0.6 + i * 1e-4)); // false positives of the other category
        }
        LvisEvalResult r = new LvisEvaluator().evaluate(gt, dets);
        assertEquals(0.0, r.perCategory().get(0).ar(), 0.0, "cut by the per-image limit before evaluation");
        assertEquals(1L, r.counts().get("detections_beyond_max_dets_per_image"));
    }
}
