package io.github.retina4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.examples.Retina4jCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void listsTheProjectsJmhBenchmarks() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Retina4jCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "bench", "--list");
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("io.github.retina4j.examples.bench.LossBenchmark.")),
                out.toString());
        StringWriter only = new StringWriter();
        assertEquals(0, Retina4jCli.run(new PrintWriter(only, true), new PrintWriter(new StringWriter(), true),
                "bench", "--list", "LossBenchmark.focal"));
        assertTrue(only.toString().lines().allMatch(l -> l.contains("LossBenchmark.focal")), only.toString());
        assertTrue(only.toString().lines().count() < out.toString().lines().count(), only.toString());
    }

    @Test
    void unmatchedPatternIsAClearError() {
        StringWriter err = new StringWriter();
        int exit = Retina4jCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "bench", "--list", "NoSuchBenchmarkXyz");
        assertEquals(Retina4jCli.EXIT_FAILED, exit);
        assertTrue(err.toString().contains("no benchmark matches [NoSuchBenchmarkXyz]"), err.toString());
    }
}
