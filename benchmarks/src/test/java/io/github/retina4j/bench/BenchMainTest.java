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
    void unmatchedPatternIsAClearError() {
        StringWriter err = new StringWriter();
        int exit = BenchMain.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "--list", "NoSuchBenchmarkXyz");
        assertEquals(BenchMain.EXIT_FAILED, exit);
        assertTrue(err.toString().contains("no benchmark matches [NoSuchBenchmarkXyz]"), err.toString());
    }
}
