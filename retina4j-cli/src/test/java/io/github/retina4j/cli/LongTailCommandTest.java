package io.github.retina4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The long-tail switches end to end: GOL with class-aware sampling, IIF with --rfs, NorCal in eval and detect. */
class LongTailCommandTest {

    @TempDir
    static Path tmp;
    static ShapesLtFiles files;

    @BeforeAll
    static void generate() {
        files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(9).numClasses(3).trainImages(6).valImages(2)
                .imageSize(64, 96).objectSize(16, 40).longTail(4, 1).build()).writeTo(tmp.resolve("data"));
    }

    private static CliRun train(Path out, String... more) {
        String[] base = {"train", "--annotations", files.trainCoco().toString(), "--images", files.trainImages().toString(),
                "--image-size", "64", "--no-progress", "--batch-size", "2", "--iterations", "1", "--out", out.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void golWithClassAwareSamplingThenNorCalAtEvaluationAndDetection() {
        Path run = tmp.resolve("gol");
        CliRun t = train(run, "--cls-loss", "gol", "--sampler", "class-aware");
        assertEquals(0, t.exit(), t.err());
        assertTrue(t.out().contains("class-aware sampling"), t.out());
        Path model = run.resolve(TrainCommand.MODEL_FILE);
        ModelMetadata m = ModelFile.load(model, false).metadata();
        assertEquals(ClassScoring.Activation.GUMBEL, m.scoring().activation());
        assertNotNull(m.scoring().trainImageCounts());

        CliRun e = CliRun.of("eval", "--gt", files.valCoco().toString(), "--images", files.valImages().toString(),
                "--model", model.toString(), "--norcal-gamma", "0.5", "--norcal-counts", files.trainCoco().toString());
        assertEquals(0, e.exit(), e.err());
        CliRun d = CliRun.of("detect", "--model", model.toString(), files.valImages().toString(), "--out",
                tmp.resolve("det").toString(), "--norcal-gamma", "1");
        assertEquals(0, d.exit(), d.err());
        assertTrue(Files.exists(tmp.resolve("det").resolve(DetectCommand.RESULTS_FILE)));

        CliRun bad = CliRun.of("eval", "--gt", files.valCoco().toString(), "--images", files.valImages().toString(),
                "--model", model.toString(), "--norcal-gamma", "-1");
        assertEquals(Retina4jCli.EXIT_FAILED, bad.exit());
        assertTrue(bad.reason().contains("--norcal-gamma") && bad.reason().contains("-1"), bad.reason());
        CliRun onlyCounts = CliRun.of("detect", "--model", model.toString(), files.valImages().toString(), "--out",
                tmp.resolve("det2").toString(), "--norcal-counts", files.trainCoco().toString());
        assertEquals(Retina4jCli.EXIT_FAILED, onlyCounts.exit());
        assertTrue(onlyCounts.reason().contains("--norcal-counts needs --norcal-gamma"), onlyCounts.reason());
    }

    @Test
    void iifWithRfsAliasAndBadCombinations() {
        Path run = tmp.resolve("iif");
        CliRun t = train(run, "--cls-loss", "iif", "--iif-variant", "smooth", "--rfs");
        assertEquals(0, t.exit(), t.err());
        assertTrue(t.out().contains("iif-smooth") && t.out().contains("rfs(t=0.001) sampling"), t.out());
        ModelMetadata m = ModelFile.load(run.resolve(TrainCommand.MODEL_FILE), false).metadata();
        assertEquals(3, m.scoring().logitWeights().length);
        assertTrue(m.scoring().logitWeights()[0] > 1, "smooth weights are ln((N + 1)/(n + 1)) + 1 > 1");

        CliRun v = train(tmp.resolve("x1"), "--cls-loss", "focal", "--iif-variant", "smooth");
        assertEquals(Retina4jCli.EXIT_FAILED, v.exit());
        assertTrue(v.reason().contains("--iif-variant needs --cls-loss iif"), v.reason());
        CliRun w = train(tmp.resolve("x2"), "--cls-loss", "iif", "--iif-variant", "idf");
        assertEquals(Retina4jCli.EXIT_FAILED, w.exit());
        assertTrue(w.reason().contains("'idf'"), w.reason());
        CliRun s = train(tmp.resolve("x3"), "--sampler", "class-aware", "--rfs");
        assertEquals(Retina4jCli.EXIT_FAILED, s.exit());
        assertTrue(s.reason().contains("--rfs means --sampler rfs"), s.reason());
        CliRun u = train(tmp.resolve("x4"), "--sampler", "balanced");
        assertEquals(Retina4jCli.EXIT_FAILED, u.exit());
        assertTrue(u.reason().contains("--sampler") && u.reason().contains("'balanced'"), u.reason());
        assertTrue(!Files.exists(tmp.resolve("x4").resolve(TrainCommand.MODEL_FILE)));
    }
}
