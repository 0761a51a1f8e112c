package io.github.retina4j.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Runs the project's JMH benchmarks ({@code io.github.retina4j.bench.*Benchmark}) and prints,
 * per benchmark class (and parameter set), each method's time relative to the method whose name
 * contains "baseline", measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the project's JMH benchmarks and print their ratios against the baseline measured in the same run.",
                "Examples: ./retina4j bench --list;  ./retina4j bench Loss;  java -jar benchmarks/target/benchmarks.jar -f 1 -wi 2 -i 3 Eval"})
public final class BenchMain implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "PATTERN",
            description = "Regular expressions selecting benchmarks (class or method names); default: all.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--list", description = "List the benchmarks (matching PATTERN) and exit.")
    boolean list;

    @Option(names = {"-f", "--forks"}, defaultValue = "1", description = "JVM forks per benchmark (default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = {"-wi", "--warmup-iterations"}, defaultValue = "2", description = "Warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmupIterations;

    @Option(names = {"-i", "--iterations"}, defaultValue = "3", description = "Measurement iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = {"-t", "--time"}, defaultValue = "2", description = "Seconds per warm-up/measurement iteration (default: ${DEFAULT-VALUE}).")
    int seconds;

    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    /**
     * The whole-model and whole-pipeline benchmarks: plain mains that measure their baseline (a straightforward port,
     * DL4J's stock layers, or torchvision through Debian's python3) in the same run and print the ratios themselves.
     * They are too long-running for JMH's repeated forks; {@code bench NAME [ARGS]} runs one.
     */
    static final Map<String, MainRunner> RUNNERS = new java.util.TreeMap<>(Map.of(
            "ModelBenchmark", ModelBenchmark::main,
            "HeadBenchmark", HeadBenchmark::main,
            "BfpBenchmark", BfpBenchmark::main,
            "TargetBenchmark", TargetBenchmark::main,
            "DataBenchmark", DataBenchmark::main,
            "EvalBenchmark", EvalBenchmark::main,
            "ConvBenchmark", ConvBenchmark::main,
            "PostProcessBenchmark", PostProcessBenchmark::main,
            "InferenceBenchmark", InferenceBenchmark::main));

    /** A runner's main. */
    @FunctionalInterface
    interface MainRunner {
        void run(String[] args) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && RUNNERS.containsKey(args[0])) {
            RUNNERS.get(args[0]).run(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs with the given streams and returns the exit code: 0, 1 = failed run, 2 = bad arguments. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        picocli.CommandLine cli = new picocli.CommandLine(new BenchMain());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExitCodeExceptionMapper(t -> EXIT_FAILED);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("bench: " + ex.getMessage());
            err.flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            err.println("bench: error: " + ex.getMessage());
            err.flush();
            return EXIT_FAILED;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws RunnerException {
        if (forks < 0 || warmupIterations < 0 || iterations < 1 || seconds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "need --forks >= 0, --warmup-iterations >= 0, --iterations >= 1 and --time >= 1");
        }
        for (String p : includes) {
            try {
                Pattern.compile(p);
            } catch (PatternSyntaxException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "invalid benchmark pattern '" + p + "': " + e.getDescription());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        SortedSet<BenchmarkListEntry> found = benchmarks(includes);
        List<String> runners = RUNNERS.keySet().stream().filter(r -> includes.isEmpty()
                || includes.stream().anyMatch(p -> Pattern.compile(p).matcher(r).find())).toList();
        if (found.isEmpty() && (!list || runners.isEmpty())) {
            throw new IllegalArgumentException(includes.isEmpty()
                    ? "no benchmarks in this build (expected JMH classes in io.github.retina4j.bench)"
                    : "no benchmark matches " + includes + "; see `./retina4j bench --list`");
        }
        if (list) {
            found.stream().map(BenchmarkListEntry::getUsername).distinct().forEach(out::println);
            runners.forEach(r -> out.println(r + "  (runner: bench " + r + " [ARGS])"));
            out.flush();
            return 0;
        }
        ChainedOptionsBuilder opts = new OptionsBuilder().forks(forks).warmupIterations(warmupIterations)
                .measurementIterations(iterations).warmupTime(TimeValue.seconds(seconds))
                .measurementTime(TimeValue.seconds(seconds)).verbosity(VerboseMode.NORMAL);
        if (includes.isEmpty()) {
            opts.include(".*");
        }
        includes.forEach(opts::include);
        Collection<RunResult> results = new Runner(opts.build()).run();
        out.println();
        out.println(ratioTable(results));
        out.flush();
        return 0;
    }

    static SortedSet<BenchmarkListEntry> benchmarks(List<String> includes) {
        List<String> inc = includes.isEmpty() ? List.of(".*") : includes;
        try {
            return BenchmarkList.defaultList().find(OutputFormatFactory.createFormatInstance(
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), VerboseMode.SILENT), inc, List.of());
        } catch (RuntimeException e) {
            // JMH throws when META-INF/BenchmarkList is absent (no benchmark compiled in)
            if (BenchMain.class.getResource(BenchmarkList.BENCHMARK_LIST) == null) {
                return new java.util.TreeSet<>();
            }
            throw e;
        }
    }

    /** Groups results by class + parameters and prints each method's time relative to the "baseline" method. */
    static String ratioTable(Collection<RunResult> results) {
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            String cls = bench.substring(0, bench.lastIndexOf('.'));
            String key = cls + r.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + r.getParams().getParam(k)).toList();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        StringBuilder sb = new StringBuilder("Ratios (time relative to the group's baseline; < 1 is faster):\n");
        for (Map.Entry<String, List<RunResult>> g : groups.entrySet()) {
            sb.append(g.getKey().replace("io.github.retina4j.bench.", "")).append('\n');
            RunResult base = g.getValue().stream()
                    .filter(r -> method(r).toLowerCase().contains("baseline")).findFirst().orElse(null);
            for (RunResult r : g.getValue()) {
                double score = r.getPrimaryResult().getScore();
                String ratio = "n/a (no baseline method)";
                if (base != null) {
                    double b = base.getPrimaryResult().getScore();
                    double timeRatio = r.getParams().getMode() == Mode.Throughput ? b / score : score / b;
                    ratio = String.format("%.3f x baseline", timeRatio);
                }
                sb.append(String.format("  %-40s %12.4f %-10s %s%n", method(r), score,
                        r.getPrimaryResult().getScoreUnit(), ratio));
            }
        }
        return sb.toString();
    }

    private static String method(RunResult r) {
        String b = r.getParams().getBenchmark();
        return b.substring(b.lastIndexOf('.') + 1);
    }
}
