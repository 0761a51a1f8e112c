package io.github.retina4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluateResultsTest {

    private static Path reference() {
        return ReferenceData.dir();
    }

    private static String gt(String fixture) {
        return reference().resolve(fixture).resolve("gt.json").toString();
    }

    private static String dets(String fixture) {
        return reference().resolve(fixture).resolve("dets.json").toString();
    }

    @Test
    void evaluatesTheCocoFixtureAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/summary.json");
        String printed = Console.capture(() -> EvaluateResults.main(new String[] {"--gt", gt("coco_eval"), "--dets",
                dets("coco_eval"), "--json", json.toString(), "--threads", "1"}));
        JsonNode expected = new ObjectMapper().readTree(reference().resolve("coco_eval/expected.json").toFile());
        // the printed summary contains pycocotools' 12 lines
        for (String line : expected.get("summary_text").asText().split("\n")) {
            if (line.startsWith(" Average")) {
                assertTrue(printed.contains(line), line);
            }
        }
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        JsonNode stats = expected.get("stats");
        String[] names = {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
        for (int i = 0; i < names.length; i++) {
            assertEquals(stats.get(i).asDouble(), written.get("stats").get(names[i]).asDouble(), 1e-6, names[i]);
        }
    }

    @Test
    void evaluatesTheLvisFixture(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("lvis.json");
        String printed = Console.capture(() -> EvaluateResults.main(new String[] {"--gt", gt("lvis_eval"), "--dets",
                dets("lvis_eval"), "--lvis", "--json", json.toString()}));
        JsonNode expected = new ObjectMapper().readTree(reference().resolve("lvis_eval/expected.json").toFile());
        assertTrue(printed.contains(expected.get("summary_text").asText().split("\n")[6]), printed);
        JsonNode results = new ObjectMapper().readTree(json.toFile()).get("results");
        for (String key : new String[] {"AP", "APr", "APc", "APf"}) {
            assertTrue(results.has(key), key + " missing in " + results);
        }
    }

    @Test
    void badArgumentsAndFilesFailWithOneLineNamingThem(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("summary.json").toAbsolutePath();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvaluateResults.main(new String[] {"--gt", gt("coco_eval"), "--bogus"}));
        assertOneLineContaining(e, "unknown argument '--bogus'");
        assertOneLineContaining(e, "--gt [runs/examples/retinanet/shapes-lt/annotations/instances_val.json]");
        e = assertThrows(IllegalArgumentException.class,
                () -> EvaluateResults.main(new String[] {"--threads", "zero"}));
        assertOneLineContaining(e, "--threads needs a positive integer, got 'zero'");
        e = assertThrows(IllegalArgumentException.class, () -> EvaluateResults.main(new String[] {"--gt"}));
        assertOneLineContaining(e, "--gt needs a value");

        Path missing = dir.resolve("nope.json");
        Exception m = assertThrows(RuntimeException.class, () -> EvaluateResults.main(new String[] {"--gt",
                missing.toString(), "--dets", dets("coco_eval"), "--json", json.toString()}));
        assertTrue(m.getMessage().contains(missing.toString()), m.getMessage());

        Path bad = dir.resolve("dets.json");
        Files.writeString(bad, "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}, {\"image_id\": 1,");
        e = assertThrows(IllegalArgumentException.class, () -> EvaluateResults.main(new String[] {"--gt", gt("coco_eval"),
                "--dets", bad.toString(), "--json", json.toString()}));
        assertOneLineContaining(e, "entry 1");
        assertOneLineContaining(e, "truncated");

        Files.writeString(bad, "[{\"image_id\": 123456, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}]");
        e = assertThrows(IllegalArgumentException.class, () -> EvaluateResults.main(new String[] {"--gt", gt("coco_eval"),
                "--dets", bad.toString(), "--json", json.toString()}));
        assertOneLineContaining(e, "entry 0");
        assertOneLineContaining(e, "image_id 123456");
        assertFalse(Files.exists(json), "nothing is written for bad input");
    }

    private static void assertOneLineContaining(Exception e, String part) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
