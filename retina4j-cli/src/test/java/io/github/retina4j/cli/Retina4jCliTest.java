package io.github.retina4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every sub-command: --help works; bad arguments and bad input files give a one-line reason and a non-zero exit. */
class Retina4jCliTest {



    static void assertOneLineFailure(CliRun r, int expectedExit, String... mustContain) {
        assertEquals(expectedExit, r.exit(), "exit code; stderr: " + r.err());
        String reason = r.reason();
        assertEquals(1, reason.lines().count(), "one-line reason expected, got:\n" + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose:\n" + r.err());
        for (String s : mustContain) {
            assertTrue(reason.contains(s), "'" + s + "' missing in: " + reason);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "train", "eval", "detect", "import", "stats", "experiment"})
    void everySubCommandHasHelp(String cmd) {
        CliRun r = CliRun.of(cmd, "--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Usage: retina4j " + cmd), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "train", "eval", "detect", "import", "stats", "experiment"})
    void unknownOptionIsAUsageError(String cmd) {
        assertOneLineFailure(CliRun.of(cmd, "--no-such-option"), Retina4jCli.EXIT_USAGE, "retina4j " + cmd, "--no-such-option");
    }

    @Test
    void missingSubCommandAndUnknownSubCommand() {
        assertOneLineFailure(CliRun.of(), Retina4jCli.EXIT_USAGE, "missing sub-command");
        assertOneLineFailure(CliRun.of("fly"), Retina4jCli.EXIT_USAGE, "fly");
    }

    @Test
    void badNumbersAreRejected() {
        assertOneLineFailure(CliRun.of("demo", "--iterations", "abc"), Retina4jCli.EXIT_USAGE, "--iterations", "abc");
        assertOneLineFailure(CliRun.of("demo", "--iterations", "0"), Retina4jCli.EXIT_FAILED, "--iterations must be >= 1");
    }

    @Test
    void missingFilesAreNamed(@TempDir Path tmp) {
        String nope = tmp.resolve("nope.json").toString();
        assertOneLineFailure(CliRun.of("stats", nope), Retina4jCli.EXIT_FAILED, "file not found", nope);
        assertOneLineFailure(CliRun.of("train", "--annotations", nope, "--images", tmp.toString()),
                Retina4jCli.EXIT_FAILED, "--annotations", nope);
        assertOneLineFailure(CliRun.of("eval", "--gt", nope, "--dets", nope), Retina4jCli.EXIT_FAILED, "--gt", nope);
        assertOneLineFailure(CliRun.of("detect", "--model", nope, tmp.toString()), Retina4jCli.EXIT_FAILED, "--model", nope);
        assertOneLineFailure(CliRun.of("train", "--images", tmp.toString()), Retina4jCli.EXIT_USAGE, "--annotations");
    }

    @Test
    void evalNeedsExactlyOneSource(@TempDir Path tmp) throws IOException {
        Path gt = Files.writeString(tmp.resolve("gt.json"), "{\"images\":[],\"annotations\":[],\"categories\":[]}");
        assertOneLineFailure(CliRun.of("eval", "--gt", gt.toString()), Retina4jCli.EXIT_USAGE, "exactly one of --dets or --model");
        assertOneLineFailure(CliRun.of("eval", "--gt", gt.toString(), "--dets", gt.toString(), "--metric", "voc"),
                Retina4jCli.EXIT_USAGE, "--metric");
    }

    @Test
    void malformedAnnotationFileIsReportedWithItsName(@TempDir Path tmp) throws IOException {
        Path bad = Files.writeString(tmp.resolve("broken.json"), "{\"images\": [ {\"id\": 1, \"file_name\": ");
        CliRun r = CliRun.of("stats", bad.toString());
        assertOneLineFailure(r, Retina4jCli.EXIT_FAILED, "broken.json");
    }

    @Test
    void verboseShowsTheStackTrace(@TempDir Path tmp) throws IOException {
        Path bad = Files.writeString(tmp.resolve("broken.json"), "[1, 2");
        CliRun r = CliRun.of("--verbose", "stats", bad.toString());
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
