package io.github.retina4j.coco;

import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsJsonTest {

    private static List<DetectionResult> parse(String json) {
        return ResultsJson.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "dets.json");
    }

    private static String error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void readsTheStandardFormatAndSkipsExtraFields() {
        List<DetectionResult> r = parse("[{\"image_id\": 3, \"category_id\": 18, \"bbox\": [1.5, 2, 30, 40.25], \"score\": 0.75,"
                + " \"segmentation\": [[1, 2, 3]], \"id\": 9, \"area\": {\"x\": 1}},"
                + " {\"score\": 1e-3, \"bbox\": [0, 0, 0, 0], \"category_id\": 1, \"image_id\": 4.0}]");
        assertEquals(List.of(new DetectionResult(3, 18, 1.5, 2, 30, 40.25, 0.75), new DetectionResult(4, 1, 0, 0, 0, 0, 1e-3)), r);
        assertEquals(List.of(), parse("[]"));
    }

    @Test
    void writeThenReadGivesTheSameValuesBitForBit(@TempDir Path dir) {
        Random rnd = new Random(7);
        List<DetectionResult> dets = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            dets.add(new DetectionResult(rnd.nextInt(1000), 1 + rnd.nextInt(90), rnd.nextDouble() * 640, rnd.nextDouble() * 480,
                    rnd.nextDouble() * 100, rnd.nextDouble() * 100, rnd.nextDouble()));
        }
        dets.add(DetectionResult.fromCorners(1, 2, 10, 20, 30.5, 60, 0.125));
        Path f = dir.resolve("results.json");
        ResultsJson.write(f, dets);
        assertEquals(dets, ResultsJson.read(f));
    }

    @Test
    void writtenFileIsTheStandardLayout() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResultsJson.write(out, List.of(new DetectionResult(42, 7, 1, 2, 3, 4, 0.5)));
        assertEquals("[{\"image_id\":42,\"category_id\":7,\"bbox\":[1.0,2.0,3.0,4.0],\"score\":0.5}]",
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void nanScoreOrBoxNamesTheEntry() {
        String ok = "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}";
        String m = error("[" + ok + "," + ok + ",{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":NaN}]");
        assertTrue(m.startsWith("dets.json") && m.contains("entry 2") && m.contains("score is NaN"), m);
        m = error("[" + ok + ",{\"image_id\":1,\"category_id\":1,\"bbox\":[0,Infinity,1,1],\"score\":0.1}]");
        assertTrue(m.contains("entry 1") && m.contains("not finite"), m);
        m = error("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,-1,1],\"score\":0.1}]");
        assertTrue(m.contains("entry 0") && m.contains("negative"), m);
    }

    @Test
    void truncatedFileNamesTheEntry() {
        String ok = "{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}";
        String full = "[" + ok + "," + ok + "," + ok + "]";
        // cut inside the third entry (index 2)
        for (int cut : new int[] {full.length() - 2, full.length() - 10, full.length() - 30, 2 * ok.length() + 5}) {
            String m = error(full.substring(0, cut));
            assertTrue(m.contains("dets.json") && m.contains("entry 2") && m.contains("truncated"), cut + ": " + m);
        }
        // only the closing bracket missing
        String m = error(full.substring(0, full.length() - 1));
        assertTrue(m.contains("truncated") && m.contains("after 3 complete entries"), m);
        assertTrue(error("").contains("empty"));
    }

    @Test
    void wrongStructureIsExplained() {
        assertTrue(error("{\"annotations\": []}").contains("must be a JSON array"));
        assertTrue(error("[1]").contains("entry 0 is not an object"));
        String m = error("[{\"image_id\":\"a\",\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}]");
        assertTrue(m.contains("entry 0") && m.contains("image_id must be an integer"), m);
        m = error("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1],\"score\":0.5}]");
        assertTrue(m.contains("bbox has 3 numbers"), m);
        m = error("[{\"image_id\":1,\"category_id\":1.5,\"bbox\":[0,0,1,1],\"score\":0.5}]");
        assertTrue(m.contains("category_id 1.5 is not an integer"), m);
        m = error("[{\"image_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}]");
        assertTrue(m.contains("no 'category_id'"), m);
        m = error("[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":0.5}] x");
        assertTrue(m.contains("after the results array"), m);
    }

    @Test
    void readsThePeerResultsFile() throws Exception {
        Path f = ReferenceData.file("peer/instances_val2014_fakebbox100_results.json");
        List<DetectionResult> r = ResultsJson.read(f);
        // count the entries independently with a tree parse
        int n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllBytes(f)).size();
        assertEquals(n, r.size());
    }
}
