package io.github.retina4j.data.synthetic;

/**
 * Configuration of the {@code shapes-lt} generator. Defaults give a split that a small RetinaNet
 * learns on 2 CPU cores in minutes: 30 classes, 400 train / 100 val images of 128–256 px, objects of
 * 24–72 px, train image counts per class falling geometrically from 150 (frequent) to 1 (rare).
 *
 * @param seed               everything (layout, colours, noise) derives from it: same seed ⇒ same bytes
 * @param numClasses         number of classes, 1..{@link #MAX_CLASSES}
 * @param trainImages        train split size
 * @param valImages          val split size (classes uniformly mixed; every class appears if space allows)
 * @param minImageSize       smallest image side in pixels
 * @param maxImageSize       largest image side in pixels
 * @param minObjectSize      smallest object side in pixels
 * @param maxObjectSize      largest object side in pixels
 * @param maxObjectsPerImage at most this many shapes per image
 * @param headImages         train images of the most frequent class (the head of the long tail)
 * @param tailImages         train images of the rarest class (the end of the tail)
 * @param negativeIdsPerImage how many absent classes each image lists in LVIS {@code neg_category_ids}
 * @param notExhaustiveRate  probability that an image lists one of its classes as not exhaustive
 *                           (metadata only: every shape is annotated, so COCO training is unaffected)
 */
public record ShapesLtConfig(long seed, int numClasses, int trainImages, int valImages, int minImageSize,
                             int maxImageSize, int minObjectSize, int maxObjectSize, int maxObjectsPerImage,
                             int headImages, int tailImages, int negativeIdsPerImage, double notExhaustiveRate) {

    /** Number of distinct shape × colour combinations. */
    public static final int MAX_CLASSES = ShapeKind.values().length * ShapeColor.values().length;

    public ShapesLtConfig {
        require(numClasses >= 1 && numClasses <= MAX_CLASSES, "numClasses must be in 1.." + MAX_CLASSES + ", got " + numClasses);
        require(trainImages >= 1, "trainImages must be >= 1, got " + trainImages);
        require(valImages >= 0, "valImages must be >= 0, got " + valImages);
        require(minImageSize >= 16 && minImageSize <= maxImageSize,
                "need 16 <= minImageSize <= maxImageSize, got " + minImageSize + ", " + maxImageSize);
        require(minObjectSize >= 4 && minObjectSize <= maxObjectSize && maxObjectSize <= minImageSize,
                "need 4 <= minObjectSize <= maxObjectSize <= minImageSize, got " + minObjectSize + ", " + maxObjectSize);
        require(maxObjectsPerImage >= 1, "maxObjectsPerImage must be >= 1");
        require(tailImages >= 1 && tailImages <= headImages, "need 1 <= tailImages <= headImages");
        require(headImages <= trainImages, "headImages (" + headImages + ") exceeds trainImages (" + trainImages + ")");
        require(negativeIdsPerImage >= 0, "negativeIdsPerImage must be >= 0");
        require(notExhaustiveRate >= 0 && notExhaustiveRate <= 1, "notExhaustiveRate must be in [0, 1]");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("shapes-lt config: " + message);
        }
    }

    /** Train images of the most frequent class unless {@link Builder#longTail} says otherwise (or the split is smaller). */
    public static final int DEFAULT_HEAD_IMAGES = 150;

    /** The default configuration (seed 42). */
    public static ShapesLtConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults documented on the record. */
    public static final class Builder {
        private long seed = 42;
        private int numClasses = 30;
        private int trainImages = 400;
        private int valImages = 100;
        private int minImageSize = 128;
        private int maxImageSize = 256;
        private int minObjectSize = 24;
        private int maxObjectSize = 72;
        private int maxObjectsPerImage = 4;
        /** Unset: {@value #DEFAULT_HEAD_IMAGES}, or every train image of a smaller split. */
        private Integer headImages;
        private int tailImages = 1;
        private int negativeIdsPerImage = 3;
        private double notExhaustiveRate = 0.1;

        public Builder seed(long v) { seed = v; return this; }
        public Builder numClasses(int v) { numClasses = v; return this; }
        public Builder trainImages(int v) { trainImages = v; return this; }
        public Builder valImages(int v) { valImages = v; return this; }
        /** Sets both image size bounds. */
        public Builder imageSize(int min, int max) { minImageSize = min; maxImageSize = max; return this; }
        /** Sets both object size bounds. */
        public Builder objectSize(int min, int max) { minObjectSize = min; maxObjectSize = max; return this; }
        public Builder maxObjectsPerImage(int v) { maxObjectsPerImage = v; return this; }
        /** Train image counts of the most and least frequent class (default: {@value #DEFAULT_HEAD_IMAGES} or the whole split, 1). */
        public Builder longTail(int head, int tail) { headImages = head; tailImages = tail; return this; }
        public Builder negativeIdsPerImage(int v) { negativeIdsPerImage = v; return this; }
        public Builder notExhaustiveRate(double v) { notExhaustiveRate = v; return this; }

        public ShapesLtConfig build() {
            return new ShapesLtConfig(seed, numClasses, trainImages, valImages, minImageSize, maxImageSize,
                    minObjectSize, maxObjectSize, maxObjectsPerImage,
                    headImages != null ? headImages : Math.min(DEFAULT_HEAD_IMAGES, trainImages), tailImages, negativeIdsPerImage,
                    notExhaustiveRate);
        }
    }
}
