package io.github.retina4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluationTest {

    @Test
    void evaluatesFilesWithEitherProtocol() {
        EvaluationSummary coco = Evaluation.evaluateFiles(ReferenceData.file("coco_eval/gt.json"), ReferenceData.file("coco_eval/dets.json"),
                Evaluation.Protocol.COCO, 2);
        JsonNode expected = ReferenceData.json("coco_eval/expected.json");
        assertEquals(expected.get("stats").get(0).asDouble(), coco.headline().get("AP"), 1e-6);
        assertEquals(expected.get("stats_names").size(), coco.headline().size());

        EvaluationSummary lvis = Evaluation.evaluateFiles(ReferenceData.file("lvis_eval/gt.json"), ReferenceData.file("lvis_eval/dets.json"),
                Evaluation.Protocol.LVIS, 1);
        JsonNode lexp = ReferenceData.json("lvis_eval/expected.json").get("results");
        assertEquals(lexp.get("APr").asDouble(), lvis.headline().get("APr"), 1e-6);
    }

    @Test
    void resultsThatDoNotBelongToTheGroundTruthAreRejected(@TempDir Path dir) throws Exception {
        Path dets = dir.resolve("dets.json");
        long firstImage = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ReferenceData.file("coco_eval/gt.json").toFile())
                .get("images").get(0).get("id").asLong();
        Files.writeString(dets, "[{\"image_id\": " + firstImage + ", \"category_id\": 99999, \"bbox\": [0, 0, 5, 5], \"score\": 0.5}]");
        String m = assertThrows(IllegalArgumentException.class, () -> Evaluation.evaluateFiles(ReferenceData.file("coco_eval/gt.json"),
                dets, Evaluation.Protocol.COCO, 1)).getMessage();
        assertTrue(m.contains("entry 0") && m.contains("category_id 99999"), m);
    }
}
