package io.github.retina4j.models.heads;

/**
 * Shared RetinaNet subnets (RetinaNet paper §4 "Classification Subnet", "Box Regression Subnet", §4.1
 * "Initialization").
 *
 * @param channels   width of the 3×3 convs (256)
 * @param numConvs   number of 3×3 conv + ReLU before the predictor (4)
 * @param numAnchors anchors per location A (9 = 3 scales × 3 ratios)
 * @param prior      π, the initial foreground probability encoded in the class bias (0.01)
 * @param weightStd  std of the Gaussian conv weight init (0.01)
 */
public record HeadConfig(int channels, int numConvs, int numAnchors, double prior, double weightStd) {
    public static final int DEFAULT_CHANNELS = 256;
    public static final int DEFAULT_NUM_CONVS = 4;
    public static final int DEFAULT_NUM_ANCHORS = 9;
    /** π of §4.1. */
    public static final double DEFAULT_PRIOR = 0.01;
    /** σ of §4.1. */
    public static final double DEFAULT_WEIGHT_STD = 0.01;

    public HeadConfig {
        if (channels < 1 || numConvs < 0 || numAnchors < 1) {
            throw new IllegalArgumentException("HeadConfig: channels=" + channels + ", numConvs=" + numConvs
                    + ", numAnchors=" + numAnchors + " must be positive (numConvs ≥ 0)");
        }
        if (!(prior > 0 && prior < 1)) {
            throw new IllegalArgumentException("HeadConfig: prior π must be in (0, 1), got " + prior);
        }
    }

    public static HeadConfig paper() {
        return new HeadConfig(DEFAULT_CHANNELS, DEFAULT_NUM_CONVS, DEFAULT_NUM_ANCHORS, DEFAULT_PRIOR, DEFAULT_WEIGHT_STD);
    }

    /** b = −log((1 − π)/π) (§4.1). */
    public double classBias() {
        return -Math.log((1 - prior) / prior);
    }
}
