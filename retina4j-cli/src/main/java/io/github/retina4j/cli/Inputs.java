package io.github.retina4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Argument checks shared by the sub-commands: each failure names the option and the path. */
final class Inputs {

    private Inputs() {
    }

    static Path existingFile(Path p, String option) {
        if (p == null) {
            throw new IllegalArgumentException(option + " is required");
        }
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(option + ": file not found: " + p);
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new IllegalArgumentException(option + ": not a readable file: " + p);
        }
        return p;
    }

    static Path existingDir(Path p, String option) {
        if (p == null) {
            throw new IllegalArgumentException(option + " is required");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(option + ": folder not found: " + p);
        }
        return p;
    }

    static int positive(int v, String option) {
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + v);
        }
        return v;
    }

    static double positive(double v, String option) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(option + " must be > 0, got " + v);
        }
        return v;
    }

    static double fraction(double v, String option) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(option + " must be in [0, 1], got " + v);
        }
        return v;
    }
}
