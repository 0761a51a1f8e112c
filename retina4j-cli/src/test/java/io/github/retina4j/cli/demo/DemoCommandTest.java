package io.github.retina4j.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.cli.Retina4jCli;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.models.inference.Detector;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code retina4j demo --quick} end to end: every report file exists and parses, every PNG decodes. */
class DemoCommandTest {

    @Test
    void quickDemoWritesACompleteReport(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("report");
        Path data = tmp.resolve("shapes-lt");
        StringWriter console = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Retina4jCli.run(new PrintWriter(console, true), new PrintWriter(err, true),
                "demo", "--quick", "--iterations", "4", "--no-progress", "--out", out.toString(), "--data", data.toString());
        assertEquals(0, exit, "stderr: " + err + "\nstdout: " + console);
        assertTrue(console.toString().contains("COCO AP"), console.toString());

        JsonNode metrics = new ObjectMapper().readTree(out.resolve(DemoReport.METRICS).toFile());
        for (String k : List.of("coco_AP", "coco_AP50", "lvis_AP", "lvis_APr", "lvis_APc", "lvis_APf")) {
            assertTrue(metrics.get("headline").has(k), "headline lacks " + k + ": " + metrics.get("headline"));
        }
        assertTrue(metrics.has("coco") && metrics.has("lvis") && metrics.get("per_class").size() > 0);
        assertEquals(4, metrics.get("run").get("iterations").asInt());

        for (String png : List.of(DemoReport.LOSS_CURVE, DemoReport.AP_VS_FREQUENCY)) {
            assertDecodes(out.resolve(png));
        }
        List<Path> drawn;
        try (Stream<Path> s = Files.list(out.resolve(DemoReport.IMAGES_DIR))) {
            drawn = s.toList();
        }
        assertFalse(drawn.isEmpty(), "no drawn validation images");
        for (Path p : drawn) {
            assertDecodes(p);
        }
        ResultsJson.read(out.resolve(DemoReport.DETECTIONS)); // parses in the standard results format
        assertEquals(4, Trainer.readLog(out.resolve(DemoPipeline.RUN_DIR).resolve(Trainer.LOG_FILE), Integer.MAX_VALUE).size());
        try (Detector d = Detector.load(out.resolve(DemoPipeline.MODEL_FILE))) {
            assertEquals(metrics.get("run").get("classes").asInt(), d.metadata().categories().size());
        }

        // a second run reuses the generated dataset
        StringWriter again = new StringWriter();
        assertEquals(0, Retina4jCli.run(new PrintWriter(again, true), new PrintWriter(new StringWriter(), true),
                "demo", "--quick", "--iterations", "1", "--no-progress", "--out", tmp.resolve("r2").toString(),
                "--data", data.toString()));
    }

    @Test
    void dataFolderThatIsAFileIsReported(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        StringWriter err = new StringWriter();
        int exit = Retina4jCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "demo", "--quick", "--no-progress", "--data", file.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(Retina4jCli.EXIT_FAILED, exit);
        assertTrue(err.toString().contains(file.toString()), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    private static void assertDecodes(Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " missing");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " does not decode");
        assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
    }
}
