package io.github.retina4j.data.anchors;

import java.util.Arrays;

/** Which anchor arithmetic {@link AnchorGenerator} reproduces (DESIGN §4.6). */
public enum AnchorConvention {
    /**
     * Sizes, corners and strides exactly as the formula gives them, nothing truncated, rounded or floored: anchor
     * sizes {@code stride·octaveBaseScale·2^(k/scalesPerOctave)}, corners ±w/2, ±h/2, centre offset 0 (centres at
     * {@code stride·i}), nominal strides on both axes. This is mmdetection's {@code AnchorGenerator}.
     */
    UNROUNDED,
    /**
     * torchvision {@code AnchorGenerator} as used by {@code retinanet_resnet50_fpn} (needed for weight-import parity):
     * sizes int-truncated ({@code int(32·2^(1/3)) = 40}), base anchors {@code round([−w, −h, w, h]/2)} in float32 with
     * round-half-even, and a per-axis stride {@code image_size // feature_size} (integer floor), which differs from the
     * nominal stride when the padded size is not divisible by the largest stride.
     */
    TORCHVISION;

    /** The name model files of format version 1 may carry for {@link #UNROUNDED}. */
    static final String UNROUNDED_ALIAS = "SPEC_EXACT";

    /**
     * The convention named {@code name} as saved in a model file: a constant's name, or {@value #UNROUNDED_ALIAS}
     * for {@link #UNROUNDED}.
     *
     * @throws IllegalArgumentException for any other name, listing the known ones
     */
    public static AnchorConvention fromName(String name) {
        if (UNROUNDED_ALIAS.equals(name)) {
            return UNROUNDED;
        }
        for (AnchorConvention c : values()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown anchor convention '" + name + "', expected one of "
                + Arrays.toString(values()));
    }
}
