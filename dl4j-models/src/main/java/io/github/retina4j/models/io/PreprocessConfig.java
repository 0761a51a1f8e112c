package io.github.retina4j.models.io;

import io.github.retina4j.data.transform.ImageNormalizer;
import io.github.retina4j.data.transform.ImageScale;
import io.github.retina4j.data.transform.SizeDivisorPadding;
import io.github.retina4j.data.transform.TransformConfig;

import java.util.List;

import java.util.Arrays;

/**
 * How an image becomes network input (DESIGN §2, §4 transforms), saved with a model so that inference
 * preprocesses exactly as training did: keep-ratio resize so that the short side is at most
 * {@code minSize} and the long side at most {@code maxSize} (mmdetection/detectron2/torchvision rule:
 * scale = min(minSize / short, maxSize / long)), RGB normalisation by {@code mean}/{@code std},
 * zero padding (after normalisation) on the right/bottom to a multiple of {@code sizeDivisor}.
 * {@code resize} says whose arithmetic and interpolation the resize follows.
 *
 * @param minSize     target short side (800 for COCO)
 * @param maxSize     cap of the long side (1333 for COCO)
 * @param sizeDivisor padded height/width are multiples of this (32 by default, 128 for exact P3–P7 sizes)
 * @param mean        RGB mean subtracted (ImageNet, DESIGN §2)
 * @param std         RGB std divided by (ImageNet, DESIGN §2)
 * @param resize      the resize convention: {@link Resize#MMDETECTION} for models trained here,
 *                    {@link Resize#TORCHVISION} for imported torchvision detectors
 */
public record PreprocessConfig(int minSize, int maxSize, int sizeDivisor, double[] mean, double[] std, Resize resize) {

    /** Whose resize an image goes through. */
    public enum Resize {
        /**
         * The training pipeline's (mmcv {@code imrescale}): size {@code round(w·s)} × {@code round(h·s)}, OpenCV bilinear
         * interpolation of the 8-bit image, then normalisation.
         */
        MMDETECTION,
        /**
         * torchvision's {@code GeneralizedRCNNTransform} (torchvision/models/detection/transform.py,
         * {@code _resize_image_and_masks}): normalisation first, then {@code interpolate(mode="bilinear",
         * align_corners=False, recompute_scale_factor=True)} of the float image, scale computed in float32 and size
         * {@code floor(w·s)} × {@code floor(h·s)}.
         */
        TORCHVISION
    }

    /** ImageNet RGB mean on the 0–255 scale (DESIGN §2). */
    public static final double[] IMAGENET_MEAN = {123.675, 116.28, 103.53};
    /** ImageNet RGB std on the 0–255 scale (DESIGN §2). */
    public static final double[] IMAGENET_STD = {58.395, 57.12, 57.375};
    /** COCO short side (Lin et al. 2017 §5.1: "image scale 800 pixels"). */
    public static final int COCO_MIN_SIZE = 800;
    /** COCO long side cap (mmdetection/detectron2 (1333, 800)). */
    public static final int COCO_MAX_SIZE = 1333;
    /** Default padding divisor (mmdetection {@code size_divisor=32}). */
    public static final int DEFAULT_SIZE_DIVISOR = 32;

    public PreprocessConfig {
        if (resize == null) {
            throw new IllegalArgumentException("resize convention must be set (MMDETECTION or TORCHVISION)");
        }
        if (minSize <= 0 || maxSize <= 0) {
            throw new IllegalArgumentException("minSize and maxSize must be positive, got " + minSize + ", " + maxSize);
        }
        if (minSize > maxSize) {
            throw new IllegalArgumentException("minSize (short edge) must be ≤ maxSize (long edge), got " + minSize + ", " + maxSize);
        }
        if (sizeDivisor <= 0) {
            throw new IllegalArgumentException("sizeDivisor must be positive, got " + sizeDivisor);
        }
        if (mean == null || mean.length != 3 || std == null || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 (RGB) values, got " + Arrays.toString(mean)
                    + " / " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** The training pipeline's resize ({@link Resize#MMDETECTION}). */
    public PreprocessConfig(int minSize, int maxSize, int sizeDivisor, double[] mean, double[] std) {
        this(minSize, maxSize, sizeDivisor, mean, std, Resize.MMDETECTION);
    }

    /**
     * torchvision's detection transform with the defaults of its RetinaNet ({@code min_size=800, max_size=1333},
     * {@code image_mean=[0.485, 0.456, 0.406]}, {@code image_std=[0.229, 0.224, 0.225]} on the 0–1 scale, i.e. the
     * ImageNet values ×255 used here; {@code size_divisible=32}).
     */
    public static PreprocessConfig torchvision() {
        return new PreprocessConfig(COCO_MIN_SIZE, COCO_MAX_SIZE, DEFAULT_SIZE_DIVISOR, IMAGENET_MEAN, IMAGENET_STD,
                Resize.TORCHVISION);
    }

    /** Same sizes and normalisation, another resize convention. */
    public PreprocessConfig withResize(Resize r) {
        return new PreprocessConfig(minSize, maxSize, sizeDivisor, mean, std, r);
    }

    /** COCO defaults: (1333, 800), divisor 32, ImageNet normalisation. */
    public static PreprocessConfig coco() {
        return new PreprocessConfig(COCO_MIN_SIZE, COCO_MAX_SIZE, DEFAULT_SIZE_DIVISOR, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** Same normalisation, another scale and divisor. */
    public static PreprocessConfig of(int minSize, int maxSize, int sizeDivisor) {
        return new PreprocessConfig(minSize, maxSize, sizeDivisor, IMAGENET_MEAN, IMAGENET_STD);
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    /**
     * The inference preprocessing of a model trained with {@code training}: its first (for multi-scale
     * training, pass the test scale first) image scale, normalisation and divisor; no flip.
     */
    public static PreprocessConfig from(TransformConfig training) {
        ImageScale s = training.scales().get(0);
        float[] m = training.normalizer().mean(), d = training.normalizer().std();
        return new PreprocessConfig(s.shortEdge(), s.longEdge(), training.sizeDivisor(),
                new double[] {m[0], m[1], m[2]}, new double[] {d[0], d[1], d[2]});
    }

    /**
     * The data pipeline's evaluation transform for this preprocessing (no flip).
     *
     * @throws IllegalStateException for {@link Resize#TORCHVISION}, which the data pipeline does not implement
     *                               (the {@code Detector}'s own preprocessing does)
     */
    public TransformConfig toTransformConfig() {
        if (resize != Resize.MMDETECTION) {
            throw new IllegalStateException("the data pipeline resizes as mmdetection does; this model's preprocessing is "
                    + resize + " (run it through the Detector's image methods)");
        }
        return new TransformConfig(List.of(imageScale()), 0, normalizer(), sizeDivisor);
    }

    /** The data pipeline's resize target: long edge ≤ maxSize, short edge ≤ minSize. */
    public ImageScale imageScale() {
        return new ImageScale(maxSize, minSize);
    }

    /** The data pipeline's normaliser with this mean/std. */
    public ImageNormalizer normalizer() {
        float[] m = new float[3], s = new float[3];
        for (int i = 0; i < 3; i++) {
            m[i] = (float) mean[i];
            s[i] = (float) std[i];
        }
        return new ImageNormalizer(m, s);
    }

    /** {@code size} rounded up to the divisor. */
    public int padded(int size) {
        return SizeDivisorPadding.pad(size, sizeDivisor);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessConfig p && p.minSize == minSize && p.maxSize == maxSize
                && p.sizeDivisor == sizeDivisor && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std)
                && p.resize == resize;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * minSize + maxSize) + sizeDivisor) + Arrays.hashCode(mean) * 7 + Arrays.hashCode(std)
                + 13 * resize.hashCode();
    }

    @Override
    public String toString() {
        return "PreprocessConfig[min=" + minSize + ", max=" + maxSize + ", divisor=" + sizeDivisor + ", mean="
                + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ", resize=" + resize + "]";
    }
}
