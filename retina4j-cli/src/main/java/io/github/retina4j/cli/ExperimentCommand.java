package io.github.retina4j.cli;

import io.github.retina4j.report.MethodComparisonChart;
import io.github.retina4j.train.experiment.ExperimentConfig;
import io.github.retina4j.train.experiment.ExperimentRunner;
import io.github.retina4j.train.experiment.ExperimentSummary;
import io.github.retina4j.train.experiment.Methods;
import io.github.retina4j.train.experiment.RunRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains and evaluates a grid of methods × seeds on one dataset, resumably, and reports the comparison. */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train and evaluate a grid of methods x seeds on one dataset (shapes-lt or COCO/LVIS files) and write "
                + "results.json (one record per run), results.md (mean ± sd per method, differences to the baseline) and "
                + "lvis-ap-by-frequency.png. Resumable: run the same command again and finished runs are kept, an "
                + "interrupted one continues from its checkpoint.",
                "Example: retina4j experiment --config docs/experiments/shapes-lt/config.json --out runs/experiment",
                "         retina4j experiment --quick --out runs/experiment-quick   (a tiny grid, under a minute)"})
public final class ExperimentCommand implements Callable<Integer> {

    public static final String RESULTS_MD = "results.md";
    public static final String CHART_PNG = "lvis-ap-by-frequency.png";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Experiment configuration (JSON): dataset, methods, seeds, "
            + "iterations, batch_size, image_size, evaluation.")
    Path config;

    @Option(names = "--out", defaultValue = "runs/experiment", paramLabel = "DIR",
            description = "Output folder; an existing one is resumed (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quick", description = "A built-in tiny grid (small images, a few iterations): a smoke test, not a result.")
    boolean quick;

    @Option(names = "--list-methods", description = "Print the known method names and exit.")
    boolean listMethods;

    @Option(names = "--no-progress", description = "No training progress bar (the one line per run remains).")
    boolean noProgress;

    @Override
    public Integer call() {
        PrintWriter console = spec.commandLine().getOut();
        if (listMethods) {
            Methods.all().values().forEach(m -> console.printf("%-12s %s%n", m.name(), m.description()));
            console.flush();
            return 0;
        }
        if (quick == (config != null)) {
            throw new IllegalArgumentException(quick ? "give --config or --quick, not both" : "--config FILE is required (or --quick)");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out: not a folder: " + out);
        }
        ExperimentConfig c;
        Path baseDir;
        if (quick) {
            c = ExperimentConfig.quick();
            baseDir = out;
        } else {
            Inputs.existingFile(config, "--config");
            c = ExperimentConfig.read(config);
            Path parent = config.toAbsolutePath().getParent();
            baseDir = parent != null ? parent : Path.of(".");
        }
        ExperimentRunner runner = new ExperimentRunner(c, baseDir, out).console(console)
                .afterEachRun(records -> writeReport(out, c, records));
        if (!noProgress) {
            runner.trainingProgress(TrainingProgressBar::new);
        }
        List<RunRecord> records = runner.run();
        writeReport(out, c, records);
        console.printf("report: %s, %s%n", out.resolve(RESULTS_MD), out.resolve(CHART_PNG));
        console.flush();
        return 0;
    }

    /** results.md and the APr/APc/APf chart of the records so far. */
    public static void writeReport(Path out, ExperimentConfig c, List<RunRecord> records) {
        ExperimentSummary s = ExperimentSummary.of(records, c);
        String setup = String.format(Locale.ROOT, "%d runs of %d methods x seeds %s; %d iterations of %d images at %d px, "
                        + "%s backbone. Configuration: `experiment.json` (settings), `results.json` (every run).",
                records.size(), c.methods().size(), c.seeds(), c.iterations(), c.batchSize(), c.imageSize(), c.backbone());
        Path md = out.resolve(RESULTS_MD);
        try {
            Path tmp = Files.createTempFile(out.toAbsolutePath(), RESULTS_MD, ".tmp");
            Files.writeString(tmp, s.markdown("Experiment results", setup), StandardCharsets.UTF_8);
            Files.move(tmp, md, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + md + ": " + e.getMessage(), e);
        }
        List<MethodComparisonChart.Series> series = new ArrayList<>();
        for (String metric : List.of("lvis.APr", "lvis.APc", "lvis.APf")) {
            double[] means = new double[c.methods().size()];
            double[] sds = new double[c.methods().size()];
            for (int i = 0; i < means.length; i++) {
                ExperimentSummary.Stat st = s.stat(c.methods().get(i), metric);
                means[i] = 100 * st.mean();
                sds[i] = 100 * st.sd();
            }
            series.add(new MethodComparisonChart.Series(metric.substring(metric.indexOf('.') + 1), means, sds));
        }
        MethodComparisonChart.write(c.methods(), series, "LVIS AP by class frequency (mean ± sd over seeds)", "AP (%)",
                out.resolve(CHART_PNG));
    }
}
