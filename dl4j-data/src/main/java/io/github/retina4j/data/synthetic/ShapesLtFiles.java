package io.github.retina4j.data.synthetic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@link ShapesLtGenerator#writeTo(Path)} put a generated dataset:
 * {@code <root>/train/*.png}, {@code <root>/val/*.png},
 * {@code <root>/annotations/instances_{train,val}.json} (COCO) and
 * {@code <root>/annotations/lvis_{train,val}.json} (LVIS).
 */
public record ShapesLtFiles(Path root, Path trainImages, Path valImages, Path trainCoco, Path valCoco,
                            Path trainLvis, Path valLvis) {

    /** Records which configuration generated a folder; written last, so an interrupted generation is redone. */
    public static final String MARKER = "shapes-lt-config.txt";

    /**
     * The files of {@code config}'s dataset under {@code root}: reused when the folder already holds the output of the
     * same configuration ({@value #MARKER}), else generated.
     */
    public static ShapesLtFiles ensure(ShapesLtConfig config, Path root) {
        ShapesLtFiles files = under(root);
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

    static ShapesLtFiles under(Path root) {
        Path ann = root.resolve("annotations");
        return new ShapesLtFiles(root, root.resolve("train"), root.resolve("val"),
                ann.resolve("instances_train.json"), ann.resolve("instances_val.json"),
                ann.resolve("lvis_train.json"), ann.resolve("lvis_val.json"));
    }

    /** Image folder of a split. */
    public Path images(Split split) {
        return split == Split.TRAIN ? trainImages : valImages;
    }

    /** COCO annotation file of a split. */
    public Path coco(Split split) {
        return split == Split.TRAIN ? trainCoco : valCoco;
    }

    /** LVIS annotation file of a split. */
    public Path lvis(Split split) {
        return split == Split.TRAIN ? trainLvis : valLvis;
    }
}
