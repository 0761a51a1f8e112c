package io.github.retina4j.train;

import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.targets.AnchorSampler;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.retinanet.LibraRetinaNet;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.util.Locale;
import java.util.Objects;

/**
 * A detector's whole training recipe, as one mmdetection config file fixes it: the model preset (with its losses),
 * the anchor sampler, the optimiser and schedule, and the gradient clipping. The presets here are the one owner of
 * these choices; the command line tool, the demo and the example mains start from them and override single fields.
 *
 * <p>Clipping is by one global L2 norm over all parameters, as mmdetection's
 * {@code optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))} means it ({@link GlobalGradientNormClipping},
 * applied by the {@link Trainer}), not DL4J's per-layer clipping.
 *
 * @param name        preset name ({@code retinanet}, {@code libra})
 * @param libra       Libra RetinaNet: balanced feature pyramid and balanced L1 ({@link LibraRetinaNet#libra})
 * @param optimizer   optimiser and learning-rate policy
 * @param maxGradNorm global L2 clipping threshold, 0 = off
 * @param sampler     anchor sampler, or null to use every non-ignored anchor (RetinaNet's focal loss needs no sampling:
 *                    mmdetection's {@code PseudoSampler})
 * @param imageSampling which images an epoch holds: uniform (the default), repeat factor or class-aware (DESIGN §4.5)
 */
public record Recipe(String name, boolean libra, OptimizerRecipe optimizer, double maxGradNorm, AnchorSampler sampler,
                     ImageSampling imageSampling) {

    /** The backbone name of the CPU-sized preset ({@link RetinaNet#small(int)}). */
    public static final String SMALL_BACKBONE = "small";

    public Recipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(optimizer, "optimizer");
        if (maxGradNorm < 0 || Double.isNaN(maxGradNorm)) {
            throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = off), got " + maxGradNorm);
        }
        imageSampling = imageSampling == null ? ImageSampling.uniform() : imageSampling;
    }

    /** A recipe with uniform image sampling. */
    public Recipe(String name, boolean libra, OptimizerRecipe optimizer, double maxGradNorm, AnchorSampler sampler) {
        this(name, libra, optimizer, maxGradNorm, sampler, null);
    }

    /** This recipe with another image sampler ({@code uniform}, {@code rfs}, {@code class-aware}). */
    public Recipe withImageSampling(ImageSampling s) {
        return new Recipe(name, libra, optimizer, maxGradNorm, sampler, s);
    }

    /** mmdetection {@code retinanet_r50_fpn_1x}: focal loss, smooth L1, no sampling, {@code schedule_1x}, clip 35. */
    public static Recipe retinaNet() {
        return new Recipe("retinanet", false, OptimizerRecipe.mmdetection1x(), GlobalGradientNormClipping.MMDET_MAX_NORM, null);
    }

    /**
     * mmdetection {@code libra_retinanet_r50_fpn_1x}: RetinaNet's recipe with the balanced feature pyramid and balanced
     * L1 (Pang et al. 2019, §3.2–3.3). Like mmdetection, no IoU-balanced sampling: that sampler belongs to the two-stage
     * Libra R-CNN; {@link #withSampler} adds it as an option.
     */
    public static Recipe libraRetinaNet() {
        return new Recipe("libra", true, OptimizerRecipe.mmdetection1x(), GlobalGradientNormClipping.MMDET_MAX_NORM, null);
    }

    /** The preset of a name: {@code retinanet} or {@code libra}. */
    public static Recipe named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "retinanet" -> retinaNet();
            case "libra" -> libraRetinaNet();
            default -> throw new IllegalArgumentException("unknown model '" + name + "': expected retinanet or libra");
        };
    }

    /**
     * This recipe for a backbone: the small from-scratch backbone trains with {@link OptimizerRecipe#adamFromScratch()},
     * the ImageNet-style ResNets keep the recipe's optimiser.
     */
    public Recipe forBackbone(String backbone) {
        return SMALL_BACKBONE.equals(backbone) ? withOptimizer(optimizer.withAlgorithm(OptimizerRecipe.Algorithm.ADAM)) : this;
    }

    /**
     * The graph configuration of this recipe for {@code numClasses} classes on {@code backbone}, with the updater for a
     * run of {@code iterations} iterations of {@code batchSize} images. Losses can be replaced on the returned builder.
     */
    public RetinaNetConfig.Builder model(int numClasses, BackboneConfig backbone, int batchSize, int iterations) {
        RetinaNetConfig.Builder b = backbone instanceof SmallBackboneConfig
                ? RetinaNet.small(numClasses).backbone(backbone) : RetinaNet.defaults(numClasses).backbone(backbone);
        if (libra) {
            LibraRetinaNet.libra(b);
        }
        return b.updater(optimizer.updater(batchSize, iterations)).weightDecay(optimizer.weightDecay());
    }

    /** The training-target encoder for {@code config}: RetinaNet's assignment and coder, this recipe's sampler. */
    public TargetEncoder targetEncoder(RetinaNetConfig config, long seed) {
        AnchorGenerator anchors = new AnchorGenerator(config.anchors());
        TargetEncoder plain = TargetEncoder.retinaNet(anchors, config.numClasses());
        return sampler == null ? plain : new TargetEncoder(anchors, plain.assigner(), plain.boxCoder(), config.numClasses(),
                sampler, seed);
    }

    public Recipe withOptimizer(OptimizerRecipe o) {
        return new Recipe(name, libra, o, maxGradNorm, sampler, imageSampling);
    }

    public Recipe withMaxGradNorm(double norm) {
        return new Recipe(name, libra, optimizer, norm, sampler, imageSampling);
    }

    public Recipe withSampler(AnchorSampler s) {
        return new Recipe(name, libra, optimizer, maxGradNorm, s, imageSampling);
    }
}
