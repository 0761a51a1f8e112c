package io.github.retina4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchMainTest {

    @Test
    void listsTheProjectsJmhBenchmarks() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BenchMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "--list");
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("io.github.retina4j.bench.LossBenchmark.")),
                out.toString());
        StringWriter only = new StringWriter();
        assertEquals(0, BenchMain.run(new PrintWriter(only, true), new PrintWriter(new StringWriter(), true),
                "--list", "LossBenchmark.focal"));
        assertTrue(only.toString().lines().allMatch(l -> l.contains("LossBenchmark.focal")), only.toString());
        assertTrue(only.toString().lines().count() < out.toString().lines().count(), only.toString());
    }

    @Test
    void listsTheRunnersBesideTheJmhBenchmarks() {
        StringWriter out = new StringWriter();
        assertEquals(0, BenchMain.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "--list", "Model"));
        assertEquals(List.of("ModelBenchmark  (runner: bench ModelBenchmark [ARGS])"), out.toString().lines().toList());
    }

    @Test
    void badNumbersAndPatternsAreUsageErrors() {
        StringWriter err = new StringWriter();
        assertEquals(BenchMain.EXIT_USAGE, BenchMain.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "--iterations", "0"));
        assertTrue(err.toString().contains("--iterations >= 1"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(BenchMain.EXIT_USAGE, BenchMain.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true),
                "(unclosed"));
        assertTrue(err2.toString().contains("invalid benchmark pattern"), err2.toString());
    }

    @Test
    void unmatchedPatternIsAClearError() {
        StringWriter err = new StringWriter();
        int exit = BenchMain.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "--list", "NoSuchBenchmarkXyz");
        assertEquals(BenchMain.EXIT_FAILED, exit);
        assertTrue(err.toString().contains("no benchmark matches [NoSuchBenchmarkXyz]"), err.toString());
    }
}
