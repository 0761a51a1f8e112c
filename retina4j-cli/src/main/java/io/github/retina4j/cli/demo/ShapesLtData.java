package io.github.retina4j.cli.demo;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates {@code shapes-lt} into a folder, or reuses it when the folder already holds the output of
 * the same configuration (recorded in {@value #MARKER}, written last, so an interrupted generation is
 * redone).
 */
public final class ShapesLtData {

    static final String MARKER = "shapes-lt-config.txt";

    private ShapesLtData() {
    }

    /** The files of {@code config}'s dataset under {@code root}, generating them if needed. */
    public static ShapesLtFiles ensure(ShapesLtConfig config, Path root) {
        ShapesLtFiles files = layout(root);
        Path marker = root.resolve(MARKER);
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker, StandardCharsets.UTF_8).equals(config.toString())
                    && Files.isRegularFile(files.trainCoco()) && Files.isRegularFile(files.valLvis())) {
                return files;
            }
            Files.deleteIfExists(marker);
            ShapesLtFiles written = new ShapesLtGenerator(config).writeTo(root);
            Files.writeString(marker, config.toString(), StandardCharsets.UTF_8);
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare shapes-lt in " + root + ": " + e.getMessage(), e);
        }
    }

    /** The folder layout documented by {@link ShapesLtFiles}. */
    static ShapesLtFiles layout(Path root) {
        Path ann = root.resolve("annotations");
        return new ShapesLtFiles(root, root.resolve("train"), root.resolve("val"),
                ann.resolve("instances_train.json"), ann.resolve("instances_val.json"),
                ann.resolve("lvis_train.json"), ann.resolve("lvis_val.json"));
    }
}
