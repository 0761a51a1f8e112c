package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.sampling.ClassAwareSampler;
import io.github.retina4j.data.sampling.RepeatFactorSampler;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.losses.GumbelLoss;
import io.github.retina4j.losses.IifFocalLoss;
import io.github.retina4j.losses.InverseImageFrequency;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The long-tail choices by name: GOL, IIF, NorCal on a trained model's metadata, the image samplers. */
class LongTailSetupTest {

    private static final ShapesLtGenerator GEN = new ShapesLtGenerator(ShapesLtConfig.builder().seed(4).numClasses(4)
            .trainImages(12).valImages(2).imageSize(64, 96).objectSize(16, 40).longTail(8, 1).build());
    private static final CocoDataset TRAIN = GEN.cocoDataset(Split.TRAIN);

    private static RetinaNetConfig config(String clsLoss) {
        DetectorSetup.Choice c = new DetectorSetup.Choice("retinanet", "small", clsLoss, DetectorSetup.RECIPE_BOX_LOSS);
        return DetectorSetup.config(c, c.recipe(), TRAIN, 2, 10, 1);
    }

    @Test
    void golUsesTheGumbelLossPriorAndScores() {
        RetinaNetConfig c = config("gol");
        assertEquals(new GumbelLoss(), c.classLoss());
        // the class bias puts the prior 0.01 through the Gumbel activation: b = −ln(−ln 0.01)
        assertEquals(-Math.log(-Math.log(0.01)), c.head().classBias(), 1e-12);
        assertEquals(Math.log(0.01 / 0.99), config("focal").head().classBias(), 1e-12);
        ModelMetadata m = DetectorSetup.metadata(TRAIN, c, 64, 64);
        assertEquals(ClassScoring.Activation.GUMBEL, m.scoring().activation());
        assertNull(m.scoring().logitWeights());
        assertNull(m.scoring().norcal());
        double[] counts = Arrays.stream(CategoryStatistics.of(TRAIN).imageCounts()).asDoubleStream().toArray();
        assertArrayEquals(counts, m.scoring().trainImageCounts(), 0.0);
    }

    @Test
    void iifVariantsTakeTheTrainingImageCountsAndTravelToTheScores() {
        CategoryStatistics stats = CategoryStatistics.of(TRAIN);
        for (String name : new String[]{"iif", "iif-smooth", "iif-normit"}) {
            IifFocalLoss loss = assertInstanceOf(IifFocalLoss.class, config(name).classLoss());
            double[] expected = InverseImageFrequency.weights(DetectorSetup.iifVariant(name), stats.imageCounts(),
                    stats.numImages());
            assertArrayEquals(expected, loss.getWeights(), 0.0, name);
            ModelMetadata m = DetectorSetup.metadata(TRAIN, config(name), 64, 64);
            assertEquals(ClassScoring.Activation.SIGMOID, m.scoring().activation());
            assertArrayEquals(expected, m.scoring().logitWeights(), 0.0, name);
        }
        assertEquals(InverseImageFrequency.Variant.RAW, DetectorSetup.iifVariant("iif"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config("iif-idf"));
        assertTrue(e.getMessage().contains("'idf'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config("gumbel"));
        assertTrue(e.getMessage().contains("gol") && e.getMessage().contains("'gumbel'"), e.getMessage());
    }

    @Test
    void norcalSwitchesOnForATrainedFocalModelWithoutRetraining() {
        RetinaNetConfig c = config("focal");
        assertInstanceOf(SigmoidFocalLoss.class, c.classLoss());
        ModelMetadata m = DetectorSetup.metadata(TRAIN, c, 64, 64);
        assertTrue(m.scoring().isPlainSigmoid());
        ModelMetadata cal = DetectorSetup.withNorCal(m, 0.5, null);
        assertEquals(new ClassScoring.NorCal(0.5, true), cal.scoring().norcal());
        assertArrayEquals(m.scoring().trainImageCounts(), cal.scoring().trainImageCounts(), 0.0);
        assertEquals(cal.scoring(), ModelMetadata.fromJson(cal.toJson(), "t").scoring());
        // counts from the given annotations replace the saved ones
        ModelMetadata fromTrain = DetectorSetup.withNorCal(m.withScoring(ClassScoring.sigmoid()), 1.0, TRAIN);
        assertArrayEquals(m.scoring().trainImageCounts(), fromTrain.scoring().trainImageCounts(), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorSetup.withNorCal(m.withScoring(ClassScoring.sigmoid()), 1.0, null));
        assertTrue(e.getMessage().contains("training annotations"), e.getMessage());
        CocoDataset other = new ShapesLtGenerator(ShapesLtConfig.builder().seed(4).numClasses(3).trainImages(6)
                .valImages(1).imageSize(64, 96).objectSize(16, 40).longTail(4, 1).build())
                .cocoDataset(Split.TRAIN);
        e = assertThrows(IllegalArgumentException.class, () -> DetectorSetup.withNorCal(m, 1.0, other));
        assertTrue(e.getMessage().contains("other classes"), e.getMessage());
    }

    @Test
    void imageSamplingByNameAndInTheRecipe() {
        assertNull(ImageSampling.named("uniform", 0.001).sampler(TRAIN, 1));
        RepeatFactorSampler rfs = assertInstanceOf(RepeatFactorSampler.class, ImageSampling.named("rfs", 0.3).sampler(TRAIN, 1));
        assertArrayEquals(RepeatFactorSampler.of(TRAIN, 0.3, 1).repeatFactors(), rfs.repeatFactors(), 0.0);
        ClassAwareSampler cas = assertInstanceOf(ClassAwareSampler.class,
                ImageSampling.named("Class-Aware", 0.001).sampler(TRAIN, 7));
        assertArrayEquals(ClassAwareSampler.of(TRAIN, 7).epochOrder(2), cas.epochOrder(2));
        assertEquals(ImageSampling.uniform(), Recipe.retinaNet().imageSampling());
        Recipe r = Recipe.retinaNet().withImageSampling(ImageSampling.classAware());
        assertEquals(ImageSampling.Kind.CLASS_AWARE, r.imageSampling().kind());
        assertEquals(ImageSampling.Kind.CLASS_AWARE, r.withMaxGradNorm(0).withOptimizer(r.optimizer()).imageSampling().kind());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSampling.named("balanced", 0.001));
        assertTrue(e.getMessage().contains("--sampler") && e.getMessage().contains("'balanced'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageSampling.rfs(0));
        assertTrue(e.getMessage().contains("--rfs-threshold"), e.getMessage());
    }
}
