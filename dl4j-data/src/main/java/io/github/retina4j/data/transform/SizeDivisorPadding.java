package io.github.retina4j.data.transform;

/**
 * Padding of a batch to a common size that is a multiple of a divisor (mmdetection's
 * {@code Pad(size_divisor=32)}): padded H, W = ceil(max h / d)·d, ceil(max w / d)·d. The padding
 * (bottom/right) holds zeros after normalisation; each image's valid region is recorded in its
 * {@link ImageMeta}.
 */
public final class SizeDivisorPadding {
    /** mmdetection's default divisor: the stride of the coarsest FPN level used by the heads' convs. */
    public static final int DEFAULT_DIVISOR = 32;

    private SizeDivisorPadding() {
    }

    /** Smallest multiple of {@code divisor} ≥ {@code size}. */
    public static int pad(int size, int divisor) {
        if (divisor <= 0) {
            throw new IllegalArgumentException("size divisor must be > 0, got " + divisor);
        }
        return (size + divisor - 1) / divisor * divisor;
    }
}
