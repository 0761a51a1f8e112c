package io.github.retina4j.data.targets;

/**
 * The "low-quality match" rule of {@link MaxIoUAssigner}: every ground truth keeps its best anchors even when their IoU
 * is below the positive threshold (DESIGN §4.7).
 */
public enum LowQualityMatching {
    /** No low-quality matches: only IoU thresholds decide. */
    NONE,
    /**
     * torchvision {@code Matcher(allow_low_quality_matches=True)}: for every gt g, every anchor whose IoU with g equals
     * g's best IoU (ties included) gets <b>its own</b> best gt (its argmax over gts), which need not be g.
     */
    TORCHVISION,
    /**
     * mmdetection {@code MaxIoUAssigner(gt_max_assign_all=True)}: for g = 0..G−1 in order, every anchor whose IoU with
     * g equals g's best IoU is assigned to g (a later gt overwrites an earlier one).
     */
    MMDETECTION
}
