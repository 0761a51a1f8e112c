package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.data.targets.CombinedSampler;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

class TrainingDataTest {

    private static final int SIZE = 64;
    private static final int BATCH = 2;

    /**
     * The encoder passed in makes the batches' targets: with a recipe's sampler, each image's class mask holds exactly
     * the sampled anchors, a subset of those the plain encoder uses.
     */
    @Test
    void targetsComeFromTheGivenEncoder(@TempDir Path dir) {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(3).numClasses(3).trainImages(4)
                .valImages(0).imageSize(SIZE, SIZE).objectSize(16, 32).longTail(4, 1).build());
        ShapesLtFiles files = gen.writeTo(dir);
        CocoDataset train = gen.cocoDataset(Split.TRAIN);
        RetinaNetConfig config = RetinaNet.small(3).build();
        int sampled = 48;
        Recipe libraSampling = Recipe.retinaNet().withSampler(CombinedSampler.libra(sampled, 0.25));
        try (TrainingData.CloseableIterator plain = TrainingData.iterator(train, files.trainImages(), config,
                Recipe.retinaNet().targetEncoder(config, 1), BATCH, SIZE, SIZE, 1, false, 0);
             TrainingData.CloseableIterator libra = TrainingData.iterator(train, files.trainImages(), config,
                     libraSampling.targetEncoder(config, 1), BATCH, SIZE, SIZE, 1, false, 0)) {
            INDArray plainMask = plain.next().getLabelsMaskArray(0);
            MultiDataSet batch = libra.next();
            INDArray libraMask = batch.getLabelsMaskArray(0);
            assertEquals(BATCH, libraMask.size(0));
            for (int i = 0; i < BATCH; i++) {
                // every non-ignored anchor of the plain encoder (hundreds at 64×64), the sampler's 48 of them
                assertTrue(plainMask.getRow(i).sumNumber().intValue() > sampled, plainMask.getRow(i).sumNumber().toString());
                assertEquals(sampled, libraMask.getRow(i).sumNumber().intValue());
                // sampled anchors are a subset of the usable ones
                assertEquals(sampled, libraMask.getRow(i).mul(plainMask.getRow(i)).sumNumber().intValue());
            }
        }
    }
}
