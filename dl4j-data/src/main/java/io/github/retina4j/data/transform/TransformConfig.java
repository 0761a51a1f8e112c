package io.github.retina4j.data.transform;

import java.util.List;

/**
 * The image pipeline of a detection loader (mmdetection order): keep-ratio resize to one of
 * {@code scales} (one chosen at random per image when several are given: multi-scale training),
 * horizontal flip with probability {@code flipProbability}, RGB normalisation, padding to
 * {@code sizeDivisor}. Defaults: (1333, 800), no flip (evaluation), ImageNet statistics, divisor 32.
 */
public record TransformConfig(List<ImageScale> scales, double flipProbability, ImageNormalizer normalizer,
                              int sizeDivisor) {

    /** mmdetection's training flip ratio. */
    public static final double TRAIN_FLIP_PROBABILITY = 0.5;

    public TransformConfig {
        scales = List.copyOf(scales);
        if (scales.isEmpty()) {
            throw new IllegalArgumentException("transform config needs at least one image scale");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + flipProbability);
        }
        if (sizeDivisor <= 0) {
            throw new IllegalArgumentException("size divisor must be > 0, got " + sizeDivisor);
        }
    }

    /** Evaluation pipeline: (1333, 800), no flip, ImageNet normalisation, divisor 32. */
    public static TransformConfig evaluation() {
        return new TransformConfig(List.of(ImageScale.DEFAULT), 0, ImageNormalizer.IMAGENET,
                SizeDivisorPadding.DEFAULT_DIVISOR);
    }

    /** Training pipeline: (1333, 800), flip 0.5, ImageNet normalisation, divisor 32. */
    public static TransformConfig training() {
        return evaluation().withFlipProbability(TRAIN_FLIP_PROBABILITY);
    }

    public TransformConfig withScale(int longEdge, int shortEdge) {
        return new TransformConfig(List.of(new ImageScale(longEdge, shortEdge)), flipProbability, normalizer, sizeDivisor);
    }

    /** Multi-scale: one scale drawn uniformly per image. */
    public TransformConfig withScales(List<ImageScale> multi) {
        return new TransformConfig(multi, flipProbability, normalizer, sizeDivisor);
    }

    public TransformConfig withFlipProbability(double p) {
        return new TransformConfig(scales, p, normalizer, sizeDivisor);
    }

    public TransformConfig withNormalizer(ImageNormalizer n) {
        return new TransformConfig(scales, flipProbability, n, sizeDivisor);
    }

    public TransformConfig withSizeDivisor(int d) {
        return new TransformConfig(scales, flipProbability, normalizer, d);
    }
}
