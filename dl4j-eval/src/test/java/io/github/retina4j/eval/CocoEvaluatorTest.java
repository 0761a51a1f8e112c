package io.github.retina4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.annotations.CocoDataset;
import io.github.retina4j.data.annotations.CocoJsonReader;
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
        CocoDataset gt = CocoJsonReader.strict().read(Reference.file("coco_eval/gt.json"));
        List<DetectionResult> dets = ResultsJson.read(Reference.file("coco_eval/dets.json"));
        return new CocoEvaluator(EvalParams.coco(), threads).evaluate(gt, dets);
    }

    @Test
    void twelveNumbersMatchPycocotools() {
        JsonNode expected = Reference.json("coco_eval/expected.json");
        CocoEvalResult r = evaluateFixture(2);
        JsonNode names = expected.get("stats_names");
        for (int i = 0; i < 12; i++) {
            assertEquals(names.get(i).asText(), CocoEvalResult.STATS_NAMES.get(i));
            assertEquals(expected.get("stats").get(i).asDouble(), r.stats()[i], TOL, names.get(i).asText());
        }
    }

    @Test
    void iouThresholdsAreNumpyLinspace() {
        JsonNode thr = Reference.json("coco_eval/expected.json").get("params").get("iouThrs");
        double[] ours = EvalParams.coco().iouThresholds();
        assertEquals(thr.size(), ours.length);
        for (int i = 0; i < ours.length; i++) {
            assertEquals(thr.get(i).asDouble(), ours[i], 0.0, "bit-exact threshold " + i);
        }
    }

    @Test
    void perCategoryMatchesPycocotools() {
        JsonNode expected = Reference.json("coco_eval/expected.json").get("per_category");
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
        JsonNode rec = Reference.json("coco_eval/expected.json").get("recall_T_K_A_M");
        CocoEvalResult r = evaluateFixture(2);
        for (int t = 0; t < rec.size(); t++) {
            for (int k = 0; k < rec.get(t).size(); k++) {
                for (int a = 0; a < 4; a++) {
                    for (int m = 0; m < 3; m++) {
                        assertEquals(rec.get(t).get(k).get(a).get(m).asDouble(), r.recall(t, k, a, m), TOL,
                                "recall[" + t + "," + k + "," + a + "," + m + "]");
                    }
                }
            }
        }
    }

    @Test
    void precisionArrayMatchesPycocotools() {
        Reference.Npy npy = Reference.npy("coco_eval/precision_area_all_maxdet100.npy");
        CocoEvalResult r = evaluateFixture(2);
        assertArrayEquals(new int[] {10, 101, r.categoryIds().length}, npy.shape());
        int k0 = npy.shape()[2];
        for (int t = 0; t < 10; t++) {
            for (int i = 0; i < 101; i++) {
                for (int k = 0; k < k0; k++) {
                    assertEquals(npy.data()[(t * 101 + i) * k0 + k], r.precision(t, i, k, 0, 2), TOL,
                            "precision[" + t + "," + i + "," + k + "]");
                }
            }
        }
    }

    @Test
    void summaryTextMatchesPycocotoolsPrintout() {
        String expected = Reference.json("coco_eval/expected.json").get("summary_text").asText();
        String[] lines = expected.split("\n");
        List<String> tail = List.of(lines).subList(lines.length - 12, lines.length);
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
        JsonNode expected = Reference.json("peer/expected_bbox_val2014_100.json");
        CocoDataset gt = CocoJsonReader.strict().read(Reference.file("peer/instances_val2014_100.json"));
        List<DetectionResult> dets = ResultsJson.read(Reference.file("peer/instances_val2014_fakebbox100_results.json"));
        CocoEvalResult r = new CocoEvaluator().evaluate(gt, dets);
        for (int i = 0; i < 12; i++) {
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
}
