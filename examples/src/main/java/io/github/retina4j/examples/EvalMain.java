package io.github.retina4j.examples;

import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Evaluates a detection results file against a COCO or LVIS annotation file, without any model:
 * <pre>
 *   EvalMain --gt instances_val2017.json --dets results.json [--lvis] [--json summary.json] [--threads N]
 * </pre>
 * Prints pycocotools' (or lvis-api's) summary, a per-category table and the counts of what was
 * left out, and optionally writes everything as JSON. Bad arguments or files end with a one-line
 * reason on stderr and a non-zero exit code (2 = usage, 1 = bad input).
 */
public final class EvalMain {

    /** Exit code for a usage error. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for unreadable or invalid input. */
    public static final int EXIT_BAD_INPUT = 1;

    static final String USAGE = "usage: eval --gt FILE --dets FILE [--lvis] [--json OUT] [--threads N]";

    private EvalMain() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parsed command line. */
    public record Options(Path gt, Path dets, boolean lvis, Path json, int threads) {
    }

    /**
     * Runs the command: parses {@code args}, evaluates, prints to {@code out}; errors go to
     * {@code err} as one line.
     *
     * @return the process exit code (0 on success)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("eval: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        if (o == null) {
            out.println(USAGE);
            return 0;
        }
        try {
            EvaluationSummary s = evaluate(o, out);
            if (o.json() != null) {
                s.writeJson(o.json());
                out.println("wrote " + o.json());
            }
            return 0;
        } catch (IllegalArgumentException | UncheckedIOException e) {
            err.println("eval: " + firstLine(e.getMessage()));
            return EXIT_BAD_INPUT;
        }
    }

    /** Evaluates and prints the summary, the per-category table and the counts. */
    public static EvaluationSummary evaluate(Options o, PrintStream out) {
        long t0 = System.nanoTime();
        EvaluationSummary s = Evaluation.evaluateFiles(o.gt(), o.dets(), o.lvis() ? Evaluation.Protocol.LVIS
                : Evaluation.Protocol.COCO, o.threads());
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.print(s.summaryText());
        out.println();
        out.print(s.perCategoryTable());
        out.println();
        out.println("counts: " + s.counts());
        out.printf("evaluated in %.2f s (%s protocol, %d threads)%n", seconds, o.lvis() ? "LVIS" : "COCO", o.threads());
        return s;
    }

    /** Parses the arguments; null means "--help". */
    public static Options parse(String[] args) {
        Path gt = null;
        Path dets = null;
        Path json = null;
        boolean lvis = false;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--lvis" -> lvis = true;
                case "--gt" -> gt = Path.of(value(args, ++i, a));
                case "--dets" -> dets = Path.of(value(args, ++i, a));
                case "--json" -> json = Path.of(value(args, ++i, a));
                case "--threads" -> {
                    String v = value(args, ++i, a);
                    try {
                        threads = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--threads needs a positive integer, got '" + v + "'");
                    }
                    if (threads < 1) {
                        throw new IllegalArgumentException("--threads needs a positive integer, got " + threads);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (gt == null) {
            throw new IllegalArgumentException("missing --gt FILE (the COCO/LVIS annotation file)");
        }
        if (dets == null) {
            throw new IllegalArgumentException("missing --dets FILE (the results file [{image_id, category_id, bbox, score}])");
        }
        for (Path p : new Path[] {gt, dets}) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("no such file: " + p);
            }
        }
        return new Options(gt, dets, lvis, json, threads);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
