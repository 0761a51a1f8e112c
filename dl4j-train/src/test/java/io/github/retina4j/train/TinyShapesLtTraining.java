package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training tests' shared set-up: a 3-class long-tailed shapes-lt of eight 64×64 images written to disk, the small
 * recipe at learning rate 0.01, and a RetinaNet of a few thousand parameters, so that 20 iterations show learning in
 * seconds.
 */
final class TinyShapesLtTraining {

    static final int SIZE = 64;
    static final long SEED = 11;

    final ShapesLtFiles files;
    final CocoDataset train;
    final int classes;
    final Recipe recipe;

    TinyShapesLtTraining(Path dir) throws IOException {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(SEED).numClasses(3).trainImages(8)
                .valImages(1).imageSize(SIZE, SIZE).objectSize(16, 32).maxObjectsPerImage(2).longTail(4, 1).build());
        files = gen.writeTo(dir);
        train = gen.cocoDataset(Split.TRAIN);
        classes = train.categoryMapping().size();
        Recipe small = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        recipe = small.withOptimizer(small.optimizer().withLearningRate(0.01));
    }

    /** The tiny RetinaNet of the recipe, its updater built for {@code effectiveBatch} images per step. */
    RetinaNetConfig.Builder model(int effectiveBatch, int iterations) {
        return recipe.model(classes, new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}), effectiveBatch, iterations)
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5)).head(new HeadConfig(8, 1, 9, 0.01, 0.01)).seed(SEED);
    }

    /** Training batches of {@code batch} images in the data order of {@code workers} workers. */
    TrainingData.CloseableIterator batches(RetinaNetConfig config, int batch, long seed, int workers) {
        return TrainingData.iterator(train, files.trainImages(), config, recipe.targetEncoder(config, SEED), batch, SIZE,
                SIZE, seed, false, 0.001, workers);
    }

    /** Two fixed batches of 4 images, drawn apart from the training order, to compare the loss before and after. */
    List<MultiDataSet> probe(RetinaNetConfig config, int workers) {
        List<MultiDataSet> probe = new ArrayList<>();
        try (TrainingData.CloseableIterator data = batches(config, 4, SEED + 1, workers)) {
            probe.add(data.next());
            probe.add(data.next());
        }
        return probe;
    }

    /** Mean loss of {@code graph} over {@code batches} (scoring leaves the losses' statistics alone). */
    static double score(ComputationGraph graph, List<MultiDataSet> batches) {
        return batches.stream().mapToDouble(b -> graph.score(b, false)).average().orElseThrow();
    }

    /** The first training image file, in name order. */
    Path firstImage() throws IOException {
        try (Stream<Path> s = Files.list(files.trainImages())) {
            return s.sorted().findFirst().orElseThrow();
        }
    }
}
