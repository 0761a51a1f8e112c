package io.github.retina4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Dataset statistics (images/instances per class, rare/common/frequent groups) with a long-tail chart. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Dataset statistics of a COCO or LVIS annotation file: per-class image/instance counts, "
                + "frequency groups (rare 1-10 images, common 11-100, frequent >100), repeat factors, and a long-tail chart.",
                "Example: retina4j stats runs/shapes-lt/annotations/train_lvis.json --out runs/stats"})
public final class StatsCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ANNOTATIONS", description = "COCO or LVIS annotation JSON.")
    Path annotations;

    @Option(names = "--out", paramLabel = "DIR", description = "Write stats.json and long-tail.png here (default: print only).")
    Path out;

    @Option(names = "--top", defaultValue = "10", description = "Classes listed at the head and tail of the table (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--rfs-threshold", defaultValue = "0.001", description = "Repeat factor sampling threshold t (default: ${DEFAULT-VALUE}).")
    double rfsThreshold;

    @Override
    public Integer call() {
        Inputs.existingFile(annotations, "ANNOTATIONS");
        Inputs.positive(top, "--top");
        Inputs.positive(rfsThreshold, "--rfs-threshold");
        return StatsReport.run(annotations, out, top, rfsThreshold, spec.commandLine().getOut());
    }
}
