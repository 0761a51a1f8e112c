package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.targets.CombinedSampler;
import io.github.retina4j.losses.BalancedL1Loss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.optimize.MomentumSgd;
import io.github.retina4j.models.optimize.WarmupStepSchedule;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;

/** The presets carry mmdetection's whole recipes (configs retinanet_r50_fpn_1x and libra_retinanet_r50_fpn_1x). */
class RecipeTest {

    @Test
    void retinaNetIsMmdetectionsRecipe() {
        Recipe r = Recipe.retinaNet();
        assertEquals(35.0, r.maxGradNorm());
        assertNull(r.sampler(), "RetinaNet uses every non-ignored anchor (mmdetection's PseudoSampler)");
        RetinaNetConfig c = r.model(80, ResNetConfig.of(50), 16, 1200).build();
        assertInstanceOf(SigmoidFocalLoss.class, c.classLoss());
        assertInstanceOf(SmoothL1Loss.class, c.boxLoss());
        assertNull(c.balancedPyramid());
        assertEquals(1e-4, c.weightDecay());
        MomentumSgd sgd = assertInstanceOf(MomentumSgd.class, c.updater());
        WarmupStepSchedule s = (WarmupStepSchedule) sgd.getLearningRateSchedule();
        assertEquals(0.01, s.getBaseLr(), 1e-15, "0.01 for 16 images");
        assertEquals(0.001, s.getWarmupRatio());
        assertEquals(240, s.getWarmupIterations(), "500, but at most a fifth of a 1200-iteration run");
        assertArrayEquals(new int[] {800, 1100}, s.getSteps(), "after 8 and 11 of 12 epochs");
        assertEquals(0.1, s.getGamma());
    }

    @Test
    void learningRateScalesLinearlyWithTheBatch() {
        WarmupStepSchedule s = Recipe.retinaNet().optimizer().schedule(8, 100_000);
        assertEquals(0.005, s.getBaseLr(), 1e-15);
        assertEquals(500, s.getWarmupIterations());
    }

    @Test
    void libraAddsTheBalancedPyramidAndMmdetectionsBalancedL1() {
        Recipe r = Recipe.libraRetinaNet();
        RetinaNetConfig c = r.model(80, ResNetConfig.of(50), 16, 1200).build();
        assertNotNull(c.balancedPyramid());
        BalancedL1Loss box = assertInstanceOf(BalancedL1Loss.class, c.boxLoss());
        assertEquals(0.5, box.getAlpha());
        assertEquals(1.5, box.getGamma());
        assertEquals(0.11, box.getBeta(), "libra_retinanet_r50_fpn_1x: beta=0.11");
        assertEquals(35.0, r.maxGradNorm(), "one global L2 norm, applied by the Trainer");
        assertEquals(Recipe.retinaNet().optimizer().toString(), r.optimizer().toString());
    }

    @Test
    void theSmallBackboneTrainsWithAdamAndNoWeightDecay() {
        Recipe r = Recipe.named("retinanet").forBackbone(Recipe.SMALL_BACKBONE);
        RetinaNetConfig c = r.model(5, SmallBackboneConfig.defaults(), 8, 100).build();
        assertInstanceOf(Adam.class, c.updater());
        assertEquals(0.0, c.weightDecay());
        assertSame(Recipe.retinaNet().optimizer().algorithm(), Recipe.retinaNet().forBackbone("resnet50").optimizer().algorithm());
    }

    @Test
    void aSamplerReachesTheTargetEncoder() {
        RetinaNetConfig c = Recipe.retinaNet().model(3, SmallBackboneConfig.defaults(), 2, 10).build();
        assertNull(Recipe.retinaNet().targetEncoder(c, 1).sampler());
        CombinedSampler libraSampler = CombinedSampler.libra(256, CombinedSampler.DEFAULT_POSITIVE_FRACTION);
        assertSame(libraSampler, Recipe.libraRetinaNet().withSampler(libraSampler).targetEncoder(c, 1).sampler());
    }

    @Test
    void unknownNamesAndBadSettingsAreOneLineErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.named("yolo"));
        assertTrue(e.getMessage().contains("yolo") && e.getMessage().contains("retinanet or libra"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Recipe.retinaNet().withMaxGradNorm(-1));
        assertThrows(IllegalArgumentException.class, () -> Recipe.retinaNet().optimizer().withLearningRate(0));
        assertThrows(IllegalArgumentException.class, () -> Recipe.retinaNet().optimizer().withSteps(new int[] {-3}, 0.1));
    }
}
