package io.github.retina4j.data.boxes;

/**
 * How {@link BoxCoder#decode} clamps the predicted log-scale deltas dw, dh before {@code exp}.
 *
 * <p>Both libraries clamp at {@code log(1000/16)} (DESIGN §4) to keep {@code exp} finite; they differ below it.
 */
public enum DeltaClamp {
    /** torchvision {@code BoxCoder.decode_single}: {@code min(d, clip)}; large negative deltas shrink boxes freely. */
    UPPER_ONLY,
    /** mmdetection {@code DeltaXYWHBBoxCoder}: {@code clamp(d, −clip, clip)}. */
    SYMMETRIC,
    /** No clamp (exp may overflow to ∞). */
    NONE
}
