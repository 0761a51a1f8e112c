package io.github.retina4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the tool: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Retina4jCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** The error output without the "Try ... --help" hint line. */
    String reason() {
        return err.lines().filter(l -> !l.startsWith("Try '")).reduce("", (a, b) -> a + b + "\n").strip();
    }
}
