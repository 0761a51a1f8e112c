package io.github.retina4j.cli.demo;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import java.nio.file.Path;

/**
 * Generates {@code shapes-lt} into a folder, or reuses it when the folder already holds the output of
 * the same configuration (recorded in {@value #MARKER}, written last, so an interrupted generation is
 * redone).
 */
public final class ShapesLtData {

    static final String MARKER = ShapesLtFiles.MARKER;

    private ShapesLtData() {
    }

    /** The files of {@code config}'s dataset under {@code root}, generating them if needed. */
    public static ShapesLtFiles ensure(ShapesLtConfig config, Path root) {
        return ShapesLtFiles.ensure(config, root);
    }

    /** The folder layout documented by {@link ShapesLtFiles}. */
    static ShapesLtFiles layout(Path root) {
        Path ann = root.resolve("annotations");
        return new ShapesLtFiles(root, root.resolve("train"), root.resolve("val"),
                ann.resolve("instances_train.json"), ann.resolve("instances_val.json"),
                ann.resolve("lvis_train.json"), ann.resolve("lvis_val.json"));
    }
}
