package io.github.retina4j.examples;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import java.nio.file.Path;

/**
 * The command line of the training examples: the output folder, the size of the generated shapes-lt splits, the
 * length, batch and image size of the run, and its seed. The defaults train for about five minutes on two CPU cores
 * (the demo's settings).
 */
record TrainingOptions(Path out, int trainImages, int valImages, int iterations, int batchSize, int imageSize, long seed) {

    /** The options of {@code main}'s command line ({@code --help} lists them and ends the program). */
    static TrainingOptions parse(Class<?> main, String[] args, String defaultOut) {
        ExampleArgs a = new ExampleArgs(main, args);
        TrainingOptions o = new TrainingOptions(a.path("--out", defaultOut), a.positiveInt("--train-images", 400),
                a.positiveInt("--val-images", 100), a.positiveInt("--iterations", 800), a.positiveInt("--batch-size", 8),
                a.positiveInt("--image-size", 192), a.positiveInt("--seed", 42));
        a.done();
        return o;
    }

    /**
     * shapes-lt with these split sizes and seed, otherwise the default dataset (30 classes whose training images fall
     * from 150 to 1), generated into {@code out/shapes-lt}: PNGs plus COCO and LVIS annotation files.
     */
    ShapesLtFiles generateShapesLt() {
        return new ShapesLtGenerator(ShapesLtConfig.builder().seed(seed).trainImages(trainImages).valImages(valImages)
                .build()).writeTo(out.resolve("shapes-lt"));
    }
}
