package io.github.retina4j.data.synthetic;

import java.nio.file.Path;

/**
 * Where {@link ShapesLtGenerator#writeTo(Path)} put a generated dataset:
 * {@code <root>/train/*.png}, {@code <root>/val/*.png},
 * {@code <root>/annotations/instances_{train,val}.json} (COCO) and
 * {@code <root>/annotations/lvis_{train,val}.json} (LVIS).
 */
public record ShapesLtFiles(Path root, Path trainImages, Path valImages, Path trainCoco, Path valCoco,
                            Path trainLvis, Path valLvis) {

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
