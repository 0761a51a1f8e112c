package io.github.retina4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.github.retina4j.cli.DemoCommand;
import io.github.retina4j.cli.DetectCommand;
import io.github.retina4j.cli.EvalCommand;
import io.github.retina4j.cli.StatsCommand;
import io.github.retina4j.cli.TrainCommand;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code retina4j} command line tool. Exit codes: 0 success, 1 bad input or a failed run
 * (one-line reason on stderr, stack trace only with {@code --verbose}), 2 bad arguments.
 */
@Command(name = "retina4j", mixinStandardHelpOptions = true, version = "retina4j 0.1.0-SNAPSHOT",
        description = "RetinaNet / Libra RetinaNet on Deeplearning4j: train, evaluate, detect, import torchvision weights, inspect data.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, DetectCommand.class,
                ImportCommand.class, StatsCommand.class, ExperimentCommand.class, CommandLine.HelpCommand.class})
public final class Retina4jCli implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Library log messages and full stack traces on errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing sub-command (demo, train, eval, detect, import, stats, experiment)");
    }

    public static void main(String[] args) {
        // charts and drawn images are rendered off-screen (servers have no display)
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the tool with the given streams and returns the exit code (for tests and embedding). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Retina4jCli root = new Retina4jCli();
        CommandLine cli = new CommandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExitCodeExceptionMapper(t -> EXIT_FAILED);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            // an unknown option explains a "missing required option" better than the latter does
            String reason = !cmd.getUnmatchedArguments().isEmpty() && !(ex instanceof CommandLine.UnmatchedArgumentException)
                    ? "Unknown option or argument: " + String.join(" ", cmd.getUnmatchedArguments()) : ex.getMessage();
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + reason);
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return EXIT_USAGE;
        });
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILED;
        });
        setLibraryLogLevel(verbose ? Level.INFO : Level.WARN);
        return cli.execute(args);
    }

    /** The message of an exception and its causes, on one line. */
    public static String oneLine(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable c = t;
        while (c != null) {
            String m = c.getMessage();
            String part = m == null || m.isBlank() ? c.getClass().getSimpleName() : m.replaceAll("\\s*\\R\\s*", " ");
            if (sb.indexOf(part) < 0) {
                if (sb.length() > 0) sb.append(": ");
                sb.append(part);
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return sb.toString();
    }

    private static void setLibraryLogLevel(Level level) {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            Logger rootLogger = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            rootLogger.setLevel(level);
        }
    }
}
