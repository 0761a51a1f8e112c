package io.github.retina4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.cli.Retina4jCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stats and eval on a generated shapes-lt split (good input), and eval on bad results files. */
class StatsAndEvalCommandTest {

    @TempDir
    static Path tmp;
    static ShapesLtFiles files;

    @BeforeAll
    static void generate() {
        files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(3).numClasses(5).trainImages(20).valImages(6)
                .imageSize(64, 96).objectSize(16, 40).longTail(12, 1).build()).writeTo(tmp.resolve("shapes"));
    }


    @Test
    void statsPrintsTheTableAndWritesJsonAndChart() throws IOException {
        Path out = tmp.resolve("stats");
        CliRun r = CliRun.of("stats", files.trainLvis().toString(), "--out", out.toString(), "--top", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("(LVIS)") && r.out().contains("repeat"), r.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve(StatsReport.JSON_FILE).toFile());
        assertEquals(5, json.get("categories").size());
        assertEquals(20, json.get("images").asInt());
        assertNotNull(ImageIO.read(out.resolve(StatsReport.CHART_FILE).toFile()));
    }

    @Test
    void evalOfTheGroundTruthItselfGivesPerfectScores() throws IOException {
        CocoDataset gt = CocoJsonReader.strict().read(files.valLvis());
        List<DetectionResult> perfect = new ArrayList<>();
        for (Annotation a : gt.annotations()) {
            perfect.add(new DetectionResult(a.imageId(), a.categoryId(), a.x(), a.y(), a.w(), a.h(), 0.9));
        }
        Path dets = tmp.resolve("perfect.json");
        ResultsJson.write(dets, perfect);
        Path metrics = tmp.resolve("m/metrics.json");
        CliRun r = CliRun.of("eval", "--gt", files.valLvis().toString(), "--dets", dets.toString(), "--metric", "both",
                "--out", metrics.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(metrics.toFile());
        assertTrue(json.has("coco") && json.has("lvis"), json.toString());
        assertTrue(r.out().contains("COCO") && r.out().contains("LVIS"), r.out());
        assertTrue(r.out().contains("1.000"), r.out());
    }

    @Test
    void evalRejectsBadResultsFiles() throws IOException {
        Path truncated = Files.writeString(tmp.resolve("truncated.json"), "[{\"image_id\": 1, \"category_id\": ");
        CliRun r = CliRun.of("eval", "--gt", files.valCoco().toString(), "--dets", truncated.toString());
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit());
        assertTrue(r.err().contains("truncated.json") && r.err().strip().lines().count() == 1, r.err());

        Path unknownImage = tmp.resolve("unknown.json");
        ResultsJson.write(unknownImage, List.of(new DetectionResult(987654, 1, 1, 1, 5, 5, 0.5)));
        CliRun u = CliRun.of("eval", "--gt", files.valCoco().toString(), "--dets", unknownImage.toString());
        assertEquals(Retina4jCli.EXIT_FAILED, u.exit(), u.out());
        assertTrue(u.err().contains("987654"), u.err());

        CliRun lvisOnCoco = CliRun.of("eval", "--gt", files.valCoco().toString(), "--dets", unknownImage.toString(), "--metric", "lvis");
        assertEquals(Retina4jCli.EXIT_FAILED, lvisOnCoco.exit());
        assertTrue(lvisOnCoco.err().contains("LVIS"), lvisOnCoco.err());
    }

    @Test
    void detectRejectsAFolderWithoutImagesAndABadModelFile() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path notAModel = Files.writeString(tmp.resolve("model.zip"), "not a zip");
        CliRun r = CliRun.of("detect", "--model", notAModel.toString(), empty.toString());
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit());
        assertTrue(r.err().contains("no images"), r.err());
        CliRun m = CliRun.of("detect", "--model", notAModel.toString(), files.valImages().toString(), "--out", tmp.resolve("d").toString());
        assertEquals(Retina4jCli.EXIT_FAILED, m.exit());
        assertTrue(m.err().contains("model.zip") && m.err().strip().lines().count() == 1, m.err());
    }
}
