package io.github.retina4j.models.fpn;

/**
 * Balanced feature pyramid settings (Libra R-CNN §3.2; mmdetection {@code libra_retinanet}:
 * {@code BFP(refine_level=1, refine_type='non_local')}, {@code NonLocal2d(reduction=1, use_scale=False)}).
 *
 * @param refineLevel index into P3..P7 of the level whose size is used (1 = P4)
 * @param reduction   non-local inner channels = channels / reduction (1)
 * @param useScale    divide θᵀφ by sqrt(inner channels) (false)
 */
public record BfpConfig(int refineLevel, int reduction, boolean useScale) {
    public BfpConfig {
        if (refineLevel < 0 || reduction < 1) {
            throw new IllegalArgumentException("BfpConfig: refineLevel=" + refineLevel + " must be ≥ 0, reduction="
                    + reduction + " ≥ 1");
        }
    }

    public static BfpConfig paper() {
        return new BfpConfig(1, 1, false);
    }
}
