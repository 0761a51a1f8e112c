package io.github.retina4j.models.retinanet;

import io.github.retina4j.losses.BalancedL1Loss;
import io.github.retina4j.models.fpn.BfpConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Libra RetinaNet (Pang et al. 2019, "Libra R-CNN", mmdetection {@code libra_retinanet_r50_fpn_1x}): RetinaNet +
 * balanced feature pyramid after the FPN + balanced L1 loss (α 0.5, γ 1.5, β 0.11 as that config sets it; the
 * paper's β 1.0 is for the two-stage box head's regression targets). Training settings (optimiser, global-norm
 * clipping) belong to the training recipe, not to the graph. Inputs are padded to a multiple of {@value RetinaNetConfig#MIN_SIZE_DIVISOR} as for RetinaNet (mmdetection's
 * {@code size_divisor=32}): the balanced pyramid resizes to run-time level sizes. The graph is built by
 * {@link RetinaNet#build(RetinaNetConfig)}; this class only holds the Libra presets.
 */
public final class LibraRetinaNet {
    /** mmdetection {@code libra_retinanet_r50_fpn_1x}: {@code BalancedL1Loss(alpha=0.5, gamma=1.5, beta=0.11)}. */
    public static final double BALANCED_L1_BETA = 0.11;

    private LibraRetinaNet() {
    }

    /** Adds the Libra components to any RetinaNet preset. */
    public static RetinaNetConfig.Builder libra(RetinaNetConfig.Builder b) {
        return b.balancedPyramid(BfpConfig.paper()).boxLoss(new BalancedL1Loss(BalancedL1Loss.DEFAULT_ALPHA,
                BalancedL1Loss.DEFAULT_GAMMA, BALANCED_L1_BETA));
    }

    /** Paper Libra RetinaNet on ResNet-50. */
    public static RetinaNetConfig.Builder defaults(int numClasses) {
        return libra(RetinaNet.defaults(numClasses));
    }

    /** Small Libra RetinaNet for CPU training on shapes-lt (see {@link RetinaNet#small(int)}). */
    public static RetinaNetConfig.Builder small(int numClasses) {
        return libra(RetinaNet.small(numClasses));
    }

    public static ComputationGraph build(RetinaNetConfig config) {
        if (!config.isLibra()) {
            throw new IllegalArgumentException("LibraRetinaNet.build: config has no balanced feature pyramid: " + config);
        }
        return RetinaNet.build(config);
    }
}
