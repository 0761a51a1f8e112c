package io.github.retina4j.cli;

import static io.github.retina4j.cli.Retina4jCliTest.assertOneLineFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.train.experiment.ExperimentRunner;
import io.github.retina4j.train.experiment.RunRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code retina4j experiment}: the quick grid end to end and resumed, and bad input refused before any training. */
class ExperimentCommandTest {

    @Test
    void quickGridWritesEveryRunAndASecondInvocationRepeatsNone(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("exp");
        CliRun r = CliRun.of("experiment", "--quick", "--no-progress", "--out", out.toString());
        assertEquals(0, r.exit(), "stderr: " + r.err() + "\nstdout: " + r.out());

        List<RunRecord> records = ExperimentRunner.readResults(out);
        // 2 seeds × (focal, efl+rfs, libra, retinanet), seed by seed, training methods first
        assertEquals(List.of("focal/1", "efl+rfs/1", "libra/1", "retinanet/1", "focal/2", "efl+rfs/2", "libra/2", "retinanet/2"),
                records.stream().map(x -> x.method() + "/" + x.seed()).toList());
        for (RunRecord x : records) {
            assertEquals(4, x.iterations());
            assertEquals(List.copyOf(RunRecord.COCO_METRICS), List.copyOf(x.coco().keySet()));
            assertEquals(List.copyOf(RunRecord.LVIS_METRICS), List.copyOf(x.lvis().keySet()));
            assertTrue(x.trainSeconds() > 0 && Double.isFinite(x.finalLoss()), x.toString());
        }
        Map<String, RunRecord> byRun = records.stream().collect(Collectors.toMap(x -> x.method() + "/" + x.seed(), x -> x));
        // retinanet evaluates focal's models: the same numbers, and no training of its own
        for (int seed = 1; seed <= 2; seed++) {
            RunRecord focal = byRun.get("focal/" + seed);
            RunRecord retinanet = byRun.get("retinanet/" + seed);
            assertEquals("focal", retinanet.trainedBy());
            assertEquals(focal.coco(), retinanet.coco());
            assertEquals(focal.lvis(), retinanet.lvis());
            assertEquals(focal.trainSeconds(), retinanet.trainSeconds());
            assertFalse(Files.exists(out.resolve(ExperimentRunner.RUNS_DIR).resolve("retinanet-s" + seed)
                    .resolve(ExperimentRunner.MODEL_FILE)));
        }
        // seeds make runs differ (initialisation, data order)
        assertNotEquals(byRun.get("focal/1").finalLoss(), byRun.get("focal/2").finalLoss());

        String md = Files.readString(out.resolve(ExperimentCommand.RESULTS_MD));
        assertTrue(md.contains("| libra | 2 |") && md.contains("Difference to focal") && md.contains("| libra | retinanet |"), md);
        assertNotNull(ImageIO.read(out.resolve(ExperimentCommand.CHART_PNG).toFile()));
        assertEquals(8, r.out().lines().filter(l -> l.startsWith("[")).count(), r.out());

        // a second invocation finds every run done and trains nothing
        String before = Files.readString(out.resolve(ExperimentRunner.RESULTS_FILE));
        CliRun again = CliRun.of("experiment", "--quick", "--no-progress", "--out", out.toString());
        assertEquals(0, again.exit(), again.err());
        assertEquals(8, again.out().lines().filter(l -> l.contains(": done earlier")).count(), again.out());
        assertEquals(before, Files.readString(out.resolve(ExperimentRunner.RESULTS_FILE)));
    }

    @Test
    void unknownMethodIsOneLineAndWritesNothing(@TempDir Path tmp) throws IOException {
        Path config = Files.writeString(tmp.resolve("c.json"), """
                {"dataset": {"shapes_lt": {"num_classes": 4}}, "methods": ["focal", "focall"], "seeds": [1], "iterations": 2}
                """);
        Path out = tmp.resolve("out");
        assertOneLineFailure(CliRun.of("experiment", "--config", config.toString(), "--out", out.toString()),
                Retina4jCli.EXIT_FAILED, "unknown method 'focall'", "c.json");
        assertFalse(Files.exists(out));
    }

    @Test
    void unknownConfigKeyIsOneLineAndWritesNothing(@TempDir Path tmp) throws IOException {
        Path config = Files.writeString(tmp.resolve("c.json"), """
                {"dataset": {"shapes_lt": {"num_classes": 4, "classes": 5}}, "methods": ["focal"], "seeds": [1], "iterations": 2}
                """);
        Path out = tmp.resolve("out");
        assertOneLineFailure(CliRun.of("experiment", "--config", config.toString(), "--out", out.toString()),
                Retina4jCli.EXIT_FAILED, "unknown key 'classes' in dataset.shapes_lt");
        assertFalse(Files.exists(out));

        Files.writeString(config, """
                {"dataset": {"shapes_lt": {}}, "methods": ["focal"], "seeds": [1], "iterations": 2, "lr": 0.1}
                """);
        assertOneLineFailure(CliRun.of("experiment", "--config", config.toString(), "--out", out.toString()),
                Retina4jCli.EXIT_FAILED, "unknown key 'lr'");
        assertFalse(Files.exists(out));
    }

    @Test
    void datasetWithoutFrequenciesIsRefusedBeforeTraining(@TempDir Path tmp) throws IOException {
        // plain COCO validation annotations: no category frequency, so no APr/APc/APf
        ShapesLtFiles files = ShapesLtFiles.ensure(ShapesLtConfig.builder().numClasses(3).trainImages(6).valImages(3)
                .imageSize(64, 64).objectSize(16, 24).longTail(4, 1).build(), tmp.resolve("data"));
        Path config = Files.writeString(tmp.resolve("c.json"), String.format("""
                {"dataset": {"train_annotations": "%s", "train_image_dir": "%s", "val_annotations": "%s", "val_image_dir": "%s"},
                 "methods": ["focal"], "seeds": [1], "iterations": 2}
                """, files.trainCoco(), files.trainImages(), files.valCoco(), files.valImages()));
        Path out = tmp.resolve("out");
        assertOneLineFailure(CliRun.of("experiment", "--config", config.toString(), "--out", out.toString()),
                Retina4jCli.EXIT_FAILED, "no frequency information");
        assertFalse(Files.exists(out));
    }

    @Test
    void configOrQuickIsRequired(@TempDir Path tmp) {
        assertOneLineFailure(CliRun.of("experiment", "--out", tmp.resolve("o").toString()), Retina4jCli.EXIT_FAILED, "--config");
        assertOneLineFailure(CliRun.of("experiment", "--config", tmp.resolve("none.json").toString()),
                Retina4jCli.EXIT_FAILED, "file not found", "none.json");
    }

    @Test
    void listMethodsNamesTheRegistry() {
        CliRun r = CliRun.of("experiment", "--list-methods");
        assertEquals(0, r.exit(), r.err());
        for (String m : List.of("focal", "efl", "eql-focal", "focal+rfs", "efl+rfs", "libra", "retinanet")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m + " ")), m + " missing in:\n" + r.out());
        }
    }
}
