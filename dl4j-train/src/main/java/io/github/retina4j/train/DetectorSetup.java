package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.losses.BalancedL1Loss;
import io.github.retina4j.losses.EqualizationFocalLoss;
import io.github.retina4j.losses.EqualizationLoss;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.L1Loss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.inference.PostProcessConfig;
import io.github.retina4j.models.inference.PreprocessConfig;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.DetectionTargetIterator;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.util.Locale;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Turns command line choices (model, backbone, losses, sizes) into the models module's
 * {@link RetinaNetConfig} and the {@link ModelMetadata} saved with a trained model.
 */
public final class DetectorSetup {

    /** Channels of FPN and heads for the CPU-sized "small" backbone (the paper's 256 is for ResNets). */
    public static final int SMALL_CHANNELS = 64;
    /** Head depth for the small backbone (the paper's 4 convs per subnet is for ResNets). */
    public static final int SMALL_HEAD_CONVS = 2;

    private DetectorSetup() {
    }

    /** Model and loss choices. */
    public record Choice(String model, String backbone, String clsLoss, String boxLoss) {
        public Choice {
            model = model.toLowerCase(Locale.ROOT);
            backbone = backbone.toLowerCase(Locale.ROOT);
            clsLoss = clsLoss.toLowerCase(Locale.ROOT);
            boxLoss = boxLoss.toLowerCase(Locale.ROOT);
            if (!model.equals("retinanet") && !model.equals("libra")) {
                throw new IllegalArgumentException("--model must be retinanet or libra, got '" + model + "'");
            }
        }

        public boolean libra() {
            return model.equals("libra");
        }
    }

    public static BackboneConfig backbone(String name) {
        return switch (name) {
            case "small" -> SmallBackboneConfig.defaults();
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
            default -> throw new IllegalArgumentException("--box-loss must be smooth-l1, l1 or balanced-l1, got '" + name + "'");
        };
    }

    /**
     * The graph configuration. Gradient clipping is left to the {@link Trainer} (global norm, as
     * mmdetection), so the builder's per-layer clipping is off.
     */
    public static RetinaNetConfig config(Choice c, CocoDataset train, IUpdater updater, double weightDecay, long seed) {
        int numClasses = train.categoryMapping().size();
        CategoryStatistics stats = CategoryStatistics.of(train);
        RetinaNetConfig.Builder b = new RetinaNetConfig.Builder(numClasses)
                .backbone(backbone(c.backbone()))
                .classLoss(classLoss(c.clsLoss(), numClasses, stats))
                .boxLoss(boxLoss(c.boxLoss()))
                .updater(updater).weightDecay(weightDecay).gradientClipL2(0).seed(seed);
        if (c.backbone().equals("small")) {
            b.fpn(new FpnConfig(SMALL_CHANNELS, FpnConfig.P6Source.C5))
                    .head(new HeadConfig(SMALL_CHANNELS, SMALL_HEAD_CONVS, HeadConfig.DEFAULT_NUM_ANCHORS,
                            HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD));
        }
        if (c.libra()) {
            // the balanced pyramid resizes every level to P4 and back at any size: the divisor stays 32
            b.balancedPyramid(BfpConfig.paper());
        }
        return b.build();
    }

    /** Metadata saved with the model: classes, the preprocessing used in training, anchors, coder, post-processing. */
    public static ModelMetadata metadata(CocoDataset train, RetinaNetConfig config, int longEdge, int shortEdge) {
        // anchors and box coder exactly as the training targets were encoded
        TargetEncoder encoder = DetectionTargetIterator.retinaNetEncoder(config);
        return new ModelMetadata(train.categoryMapping(), PreprocessConfig.of(shortEdge, longEdge, config.sizeDivisor()),
                encoder.anchorGenerator().config(), encoder.boxCoder(), PostProcessConfig.coco(),
                RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, null);
    }
}
