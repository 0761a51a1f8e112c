package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A RetinaNet with the small backbone on four 64×64 shapes-lt images, set up and trained the way
 * {@code retina4j train} does it (retina4j-cli's TrainCommand and OptimizerOptions), through the {@link Trainer}.
 */
final class TinyDetector {

    static final int IMAGE_SIZE = 64;
    static final int BATCH_SIZE = 2;
    static final int TRAIN_IMAGES = 4;
    static final long SEED = 42;
    /** retina4j train's --weight-decay default (mmdetection RetinaNet). */
    static final double WEIGHT_DECAY = 1e-4;

    private TinyDetector() {
    }

    /** The optimisers {@code retina4j train --optimizer} offers, built as its OptimizerOptions builds them. */
    enum Optimizer {
        /** mmdetection's: SGD with momentum 0.9, lr 0.01 per 16 images, linear warm-up, steps at 8/12 and 11/12. */
        SGD,
        /** Adam, lr 1e-3, same warm-up and steps (the default for the small backbone). */
        ADAM;

        /** The recipe's updater, as {@code retina4j train --optimizer sgd|adam} builds it. */
        IUpdater updater(int iterations) {
            OptimizerRecipe o = this == ADAM ? OptimizerRecipe.adamFromScratch() : OptimizerRecipe.mmdetection1x();
            return o.updater(BATCH_SIZE, iterations);
        }
    }

    /** The data set on disk and its training annotations. */
    record Data(ShapesLtFiles files, CocoDataset train) {
        Path images() {
            return files.trainImages();
        }

        /** An image to detect on (from the validation split, never trained on). */
        Path someImage() {
            try (Stream<Path> s = Files.list(files.valImages())) {
                return s.sorted().findFirst().orElseThrow();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Data data(Path dir) {
        ShapesLtFiles files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(5).numClasses(3)
                .trainImages(TRAIN_IMAGES).valImages(1).imageSize(IMAGE_SIZE, IMAGE_SIZE).objectSize(16, 32)
                .longTail(3, 1).build()).writeTo(dir);
        return new Data(files, CocoJsonReader.strict().read(files.trainCoco()));
    }

    /** {@code --model retinanet|libra --backbone small} with the CLI's default losses for it. */
    static RetinaNetConfig config(Data data, String model, IUpdater updater) {
        return config(data, model, updater, SEED);
    }

    /** @param seed the graph's seed (weight initialisation) */
    static RetinaNetConfig config(Data data, String model, IUpdater updater, long seed) {
        DetectorSetup.Choice choice = new DetectorSetup.Choice(model, "small", "focal", DetectorSetup.RECIPE_BOX_LOSS);
        // the recipe's model and losses; the optimiser under test replaces the recipe's
        return DetectorSetup.config(choice, choice.recipe(), data.train(), BATCH_SIZE, 1, seed).toBuilder()
                .updater(updater).weightDecay(WEIGHT_DECAY).build();
    }

    static ModelMetadata metadata(Data data, RetinaNetConfig config) {
        return DetectorSetup.metadata(data.train(), config, IMAGE_SIZE, IMAGE_SIZE);
    }

    static TrainingData.CloseableIterator iterator(Data data, RetinaNetConfig config) {
        return TrainingData.iterator(data.train(), data.images(), config, Recipe.retinaNet().targetEncoder(config, SEED),
                BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, SEED, false, 0.001);
    }

    /** A trainer as the CLI makes it: the recipe's global-norm clipping, checkpoints written as model files. */
    static Trainer trainer(Data data, RetinaNetConfig config, TrainingData.CloseableIterator it, TrainerConfig tc) {
        ModelMetadata metadata = metadata(data, config);
        return new Trainer(RetinaNet.build(config), it, tc)
                .modelWriter((g, f) -> ModelFile.save(g, metadata, f, true));
    }

    static TrainerConfig trainerConfig(Path runDir, int iterations, int checkpointEvery) {
        return TrainerConfig.of(Recipe.retinaNet(), runDir, iterations, SEED).withCheckpointEvery(checkpointEvery);
    }

}
