package io.github.retina4j.cli;

import io.github.retina4j.cli.demo.DemoPipeline;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The main job: shapes-lt → train a small RetinaNet on CPU → COCO + LVIS evaluation → report folder. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate the synthetic long-tailed dataset shapes-lt (or reuse it), train a small RetinaNet on the CPU, "
                + "evaluate it with the COCO and LVIS metrics and write a report (metrics.json, loss curve, AP vs class frequency, "
                + "drawn validation images).",
                "Example: retina4j demo            (about 10 minutes on 2 cores)",
                "         retina4j demo --quick    (a smoke run of a minute)"})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR", description = "Report folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", defaultValue = "runs/shapes-lt", paramLabel = "DIR", description = "shapes-lt folder, generated if missing (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--quick", description = "Reduced mode: small split and few iterations (a smoke test, not a trained model).")
    boolean quick;

    @Option(names = "--iterations", description = "Training iterations (default: 800; 12 with --quick).")
    Integer iterations;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data and the run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ui", description = "Attach the DL4J training UI (needs a build with -Pui).")
    boolean ui;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        if (iterations != null) {
            Inputs.positive(iterations, "--iterations");
        }
        if (java.nio.file.Files.exists(data) && !java.nio.file.Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data: not a folder: " + data);
        }
        if (java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out: not a folder: " + out);
        }
        DemoPipeline.run(new DemoPipeline.Settings(out, data, quick, iterations, seed, !noProgress, ui),
                spec.commandLine().getOut());
        return 0;
    }
}
