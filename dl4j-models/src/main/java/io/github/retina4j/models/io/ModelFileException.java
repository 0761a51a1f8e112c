package io.github.retina4j.models.io;

import java.nio.file.Path;

/** A model file that cannot be used: missing, corrupt/truncated, without metadata, for other classes, or naming a class not on the class path. */
public final class ModelFileException extends IllegalArgumentException {

    private final transient Path file;

    public ModelFileException(Path file, String reason) {
        super("model file " + file + ": " + reason);
        this.file = file;
    }

    public ModelFileException(Path file, String reason, Throwable cause) {
        super("model file " + file + ": " + reason + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
