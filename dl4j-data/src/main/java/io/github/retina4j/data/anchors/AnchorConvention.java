package io.github.retina4j.data.anchors;

/** Which library's anchor arithmetic {@link AnchorGenerator} reproduces. */
public enum AnchorConvention {
    /**
     * SPEC §4 formula, a port of mmdetection's {@code AnchorGenerator}: anchor sizes exactly
     * {@code stride·octaveBaseScale·2^(k/scalesPerOctave)}, no truncation or rounding, centre offset 0 (centres at
     * {@code stride·i}), nominal strides on both axes.
     */
    SPEC_EXACT,
    /**
     * torchvision {@code AnchorGenerator} as used by {@code retinanet_resnet50_fpn} (needed for weight-import parity):
     * sizes int-truncated ({@code int(32·2^(1/3)) = 40}), base anchors {@code round([−w, −h, w, h]/2)} in float32 with
     * round-half-even, and a per-axis stride {@code image_size // feature_size} (integer floor), which differs from the
     * nominal stride when the padded size is not divisible by the largest stride.
     */
    TORCHVISION
}
