package io.github.retina4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalMainTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = EvalMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void evaluatesTheCocoFixtureAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/summary.json");
        Run r = run("--gt", ReferenceData.file("coco_eval/gt.json").toString(), "--dets",
                ReferenceData.file("coco_eval/dets.json").toString(), "--json", json.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode expected = ReferenceData.json("coco_eval/expected.json");
        String summary = expected.get("summary_text").asText();
        // the printed summary contains pycocotools' 12 lines
        for (String line : summary.split("\n")) {
            if (line.startsWith(" Average")) {
                assertTrue(r.out().contains(line), line);
            }
        }
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals(expected.get("stats").get(0).asDouble(), written.get("stats").get("AP").asDouble(), 1e-6);
    }

    @Test
    void evaluatesTheLvisFixture() throws Exception {
        Run r = run("--gt", ReferenceData.file("lvis_eval/gt.json").toString(), "--dets",
                ReferenceData.file("lvis_eval/dets.json").toString(), "--lvis");
        assertEquals(0, r.code(), r.err());
        JsonNode expected = ReferenceData.json("lvis_eval/expected.json");
        for (String line : expected.get("summary_text").asText().split("\n")) {
            assertTrue(r.out().contains(line), line);
        }
    }

    @Test
    void badArgumentsAndFilesGiveOneLineAndNonZeroExit(@TempDir Path dir) throws Exception {
        Run noGt = run("--dets", "x.json");
        assertEquals(EvalMain.EXIT_USAGE, noGt.code());
        assertTrue(noGt.err().startsWith("eval: missing --gt"), noGt.err());
        assertEquals(EvalMain.EXIT_USAGE, run("--gt", "nope.json", "--dets", "nope.json").code());
        assertEquals(EvalMain.EXIT_USAGE, run("--bogus").code());
        assertEquals(EvalMain.EXIT_USAGE, run("--threads", "zero").code());
        assertEquals(0, run("--help").code());

        Path bad = dir.resolve("dets.json");
        Files.writeString(bad, "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}, {\"image_id\": 1,");
        Run truncated = run("--gt", ReferenceData.file("coco_eval/gt.json").toString(), "--dets", bad.toString());
        assertEquals(EvalMain.EXIT_BAD_INPUT, truncated.code());
        assertEquals(1, truncated.err().strip().lines().count(), truncated.err());
        assertTrue(truncated.err().contains("entry 1") && truncated.err().contains("truncated"), truncated.err());

        Files.writeString(bad, "[{\"image_id\": 123456, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}]");
        Run unknown = run("--gt", ReferenceData.file("coco_eval/gt.json").toString(), "--dets", bad.toString());
        assertEquals(EvalMain.EXIT_BAD_INPUT, unknown.code());
        assertTrue(unknown.err().contains("entry 0") && unknown.err().contains("image_id 123456"), unknown.err());
    }
}
