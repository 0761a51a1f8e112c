package io.github.retina4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of an example main: {@code --name value} options and {@code --flag}s, each asked for once by the
 * main with its default, then {@link #done()} before any value is used. Anything else (an unknown option, a missing
 * or malformed value) makes {@link #done()} throw with a one-line message that lists the options and their defaults;
 * {@code --help} prints that list and ends the program.
 */
final class ExampleArgs {

    private final String main;
    private final List<String> args;
    private final boolean[] taken;
    private final List<String> options = new ArrayList<>();
    private String error;

    ExampleArgs(Class<?> main, String[] args) {
        this.main = main.getSimpleName();
        this.args = List.of(args);
        this.taken = new boolean[args.length];
    }

    /** The value of {@code --name}, or {@code def} when it is not given. */
    String string(String name, String def) {
        options.add(name + " [" + def + "]");
        int i = args.indexOf(name);
        if (i < 0) {
            return def;
        }
        taken[i] = true;
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
            fail(name + " needs a value");
            return def;
        }
        taken[i + 1] = true;
        return args.get(i + 1);
    }

    Path path(String name, String def) {
        return Path.of(string(name, def));
    }

    int positiveInt(String name, int def) {
        String v = string(name, Integer.toString(def));
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        fail(name + " needs a positive integer, got '" + v + "'");
        return def;
    }

    /** A number in [0, 1]. */
    double fraction(String name, double def) {
        String v = string(name, Double.toString(def));
        try {
            double x = Double.parseDouble(v);
            if (x >= 0 && x <= 1) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        fail(name + " needs a number in [0, 1], got '" + v + "'");
        return def;
    }

    /** Whether {@code --name} is given. */
    boolean flag(String name) {
        options.add("[" + name + "]");
        int i = args.indexOf(name);
        if (i >= 0) {
            taken[i] = true;
        }
        return i >= 0;
    }

    /**
     * Ends the parsing: {@code --help} prints the options and ends the program. A bad value or an argument that no
     * option took throws {@link IllegalArgumentException} with one line naming it and listing the options.
     */
    void done() {
        if (args.contains("--help") || args.contains("-h")) {
            System.out.println("usage: " + main + " " + String.join(" ", options));
            System.exit(0);
        }
        for (int i = 0; i < args.size() && error == null; i++) {
            if (!taken[i]) {
                fail("unknown argument '" + args.get(i) + "'");
            }
        }
        if (error != null) {
            throw new IllegalArgumentException(main + ": " + error + "; options: " + String.join(" ", options));
        }
    }

    private void fail(String message) {
        if (error == null) {
            error = message;
        }
    }
}
