package io.github.retina4j.data.anchors;

/**
 * Order of the anchors at one location (the "cell anchors"); it must match the channel order of the trained head.
 */
public enum CellAnchorOrder {
    /**
     * index = ratioIndex·numScales + scaleIndex. torchvision ({@code generate_anchors}) and mmdetection (whose
     * confusingly named default {@code scale_major=True} computes {@code w_ratios[:, None] * scales[None, :]}) both
     * use this order.
     */
    RATIO_MAJOR,
    /** index = scaleIndex·numRatios + ratioIndex (detectron2's {@code DefaultAnchorGenerator} order). */
    SCALE_MAJOR
}
