package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.losses.BalancedL1Loss;
import io.github.retina4j.losses.EqualizationFocalLoss;
import io.github.retina4j.losses.EqualizationLoss;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.L1Loss;
import io.github.retina4j.losses.PisaLoss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.DetectionTargetIterator;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.util.Locale;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Turns named choices (model, backbone, losses: the command line's and the configuration files' words) into a
 * {@link Recipe}'s {@link RetinaNetConfig}, and builds the {@link ModelMetadata} saved with a trained model.
 */
public final class DetectorSetup {

    /** The recipe's own box loss (smooth L1 for RetinaNet, balanced L1 for Libra RetinaNet). */
    public static final String RECIPE_BOX_LOSS = "recipe";

    private DetectorSetup() {
    }

    /**
     * Model and loss choices by name.
     *
     * @param boxLoss a box loss name, or {@value #RECIPE_BOX_LOSS} for the recipe's own
     */
    public record Choice(String model, String backbone, String clsLoss, String boxLoss) {
        public Choice {
            model = model.toLowerCase(Locale.ROOT);
            backbone = backbone.toLowerCase(Locale.ROOT);
            clsLoss = clsLoss.toLowerCase(Locale.ROOT);
            boxLoss = boxLoss.toLowerCase(Locale.ROOT);
            Recipe.named(model);
            DetectorSetup.backbone(backbone);
        }

        /** The named preset, for this backbone. */
        public Recipe recipe() {
            return Recipe.named(model).forBackbone(backbone);
        }
    }

    public static BackboneConfig backbone(String name) {
        return switch (name) {
            case Recipe.SMALL_BACKBONE -> SmallBackboneConfig.defaults();
            case "resnet18" -> ResNetConfig.of(18);
            case "resnet34" -> ResNetConfig.of(34);
            case "resnet50" -> ResNetConfig.of(50);
            case "resnet101" -> ResNetConfig.of(101);
            default -> throw new IllegalArgumentException(
                    "--backbone must be small, resnet18, resnet34, resnet50 or resnet101, got '" + name + "'");
        };
    }

    public static ILossFunction classLoss(String name, int numClasses, CategoryStatistics trainStats) {
        return switch (name) {
            case "focal" -> new SigmoidFocalLoss();
            case "efl" -> new EqualizedFocalLoss(numClasses);
            // EQL needs f_j (images containing class j / all images) of the training set
            case "eql-focal" -> new EqualizationFocalLoss(EqualizationLoss.DEFAULT_LAMBDA, trainStats.imageFractions());
            default -> throw new IllegalArgumentException("--cls-loss must be focal, efl or eql-focal, got '" + name + "'");
        };
    }

    public static ILossFunction boxLoss(String name) {
        return switch (name) {
            case "smooth-l1" -> new SmoothL1Loss();
            case "l1" -> new L1Loss();
            case "balanced-l1" -> new BalancedL1Loss();
            default -> throw new IllegalArgumentException("--box-loss must be " + RECIPE_BOX_LOSS
                    + ", smooth-l1, l1 or balanced-l1, got '" + name + "'");
        };
    }

    /**
     * The graph configuration: {@code recipe}'s model for the training set's classes on the chosen backbone, with the
     * chosen classification loss and (unless {@value #RECIPE_BOX_LOSS}) box loss, and the recipe's updater for a run of
     * {@code iterations} iterations of {@code batchSize} images. Gradient clipping is the {@link Trainer}'s.
     */
    public static RetinaNetConfig config(Choice c, Recipe recipe, CocoDataset train, int batchSize, int iterations, long seed) {
        int numClasses = train.categoryMapping().size();
        RetinaNetConfig.Builder b = recipe.model(numClasses, backbone(c.backbone()), batchSize, iterations)
                .classLoss(classLoss(c.clsLoss(), numClasses, CategoryStatistics.of(train))).seed(seed);
        if (!RECIPE_BOX_LOSS.equals(c.boxLoss())) {
            b.boxLoss(boxLoss(c.boxLoss()));
        }
        return b.build();
    }

    /**
     * PISA (DESIGN §3.6, {@code retina4j train --pisa}): {@code config} with the joint {@link PisaLoss} (ISR-P k 2 bias 0,
     * CARL k 1 bias 0.2, smooth L1 β 0.11: mmdetection {@code pisa_retinanet_r50_fpn_1x}) on its focal loss's α and γ
     * and the box coder's delta scaling. PISA is defined on the sigmoid focal loss and smooth L1 only.
     *
     * @throws IllegalArgumentException naming the loss when the class loss is not focal or the box loss not smooth L1
     */
    public static RetinaNetConfig pisa(RetinaNetConfig config) {
        if (!(config.classLoss() instanceof SigmoidFocalLoss focal) || config.classLoss().getClass() != SigmoidFocalLoss.class) {
            throw new IllegalArgumentException("--pisa needs --cls-loss focal, got " + config.classLoss());
        }
        if (config.boxLoss() == null || config.boxLoss().getClass() != SmoothL1Loss.class) {
            throw new IllegalArgumentException("--pisa needs a smooth L1 box loss (--box-loss smooth-l1, or the retinanet "
                    + "recipe's), got " + config.boxLoss());
        }
        double[] stds = DetectionTargetIterator.retinaNetEncoder(config).boxCoder().stds();
        return config.toBuilder().jointLoss(new PisaLoss(focal.getAlpha(), focal.getGamma(), true, PisaLoss.DEFAULT_ISR_K,
                PisaLoss.DEFAULT_ISR_BIAS, true, PisaLoss.DEFAULT_CARL_K, PisaLoss.DEFAULT_CARL_BIAS, PisaLoss.DEFAULT_BETA,
                stds)).build();
    }

    /** Metadata saved with the model: classes, the preprocessing used in training, anchors, coder, post-processing. */
    public static ModelMetadata metadata(CocoDataset train, RetinaNetConfig config, int longEdge, int shortEdge) {
        // anchors and box coder exactly as the training targets were encoded
        TargetEncoder encoder = DetectionTargetIterator.retinaNetEncoder(config);
        boolean joint = config.jointLoss() != null;
        return new ModelMetadata(train.categoryMapping(), PreprocessConfig.of(shortEdge, longEdge, config.sizeDivisor()),
                encoder.anchorGenerator().config(), encoder.boxCoder(), PostProcessConfig.coco(),
                joint ? RetinaNet.JOINT_OUTPUT : RetinaNet.CLASS_OUTPUT, joint ? RetinaNet.JOINT_OUTPUT : RetinaNet.BOX_OUTPUT, null);
    }
}
