package io.github.retina4j.eval;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Ground truth in the compact columnar form the evaluators work on: sorted image and category ids,
 * and one primitive-array column per annotation field. Build it with {@link #builder()} or from a
 * {@link CocoDataset} with {@link #of(CocoDataset)}; it is immutable afterwards.
 *
 * <p>Annotation order is kept as given: pycocotools and lvis-api visit the annotations of an image
 * in file order, which decides matching ties.
 */
public final class GroundTruth {

    final long[] imageIds;
    final long[] categoryIds;
    final String[] categoryNames;
    /** LVIS frequency group per category ("r", "c", "f") or null when absent. */
    final String[] categoryFrequency;

    final int size;
    final long[] annotationIds;
    final int[] annImage;
    final int[] annCategory;
    /** COCO boxes [x, y, w, h], 4 per annotation. */
    final double[] boxes;
    final double[] areas;
    final boolean[] crowd;
    /** The annotation's own {@code ignore} field (LVIS uses it; pycocotools overwrites it with iscrowd). */
    final boolean[] ignore;
    /** LVIS per image: category indices verified absent ({@code neg_category_ids}); null = none given. */
    final int[][] negativeCategories;
    /** LVIS per image: category indices not exhaustively annotated; null = none given. */
    final int[][] notExhaustiveCategories;

    private GroundTruth(Builder b) {
        imageIds = b.images.stream().mapToLong(Long::longValue).sorted().toArray();
        for (int i = 1; i < imageIds.length; i++) {
            if (imageIds[i] == imageIds[i - 1]) {
                throw new IllegalArgumentException("ground truth: duplicate image id " + imageIds[i]);
            }
        }
        int k0 = b.categories.size();
        Integer[] catOrder = new Integer[k0];
        for (int i = 0; i < k0; i++) {
            catOrder[i] = i;
        }
        Arrays.sort(catOrder, (p, q) -> Long.compare(b.categories.get(p).id, b.categories.get(q).id));
        categoryIds = new long[k0];
        categoryNames = new String[k0];
        categoryFrequency = new String[k0];
        for (int i = 0; i < k0; i++) {
            CategoryEntry c = b.categories.get(catOrder[i]);
            categoryIds[i] = c.id;
            categoryNames[i] = c.name;
            categoryFrequency[i] = c.frequency;
            if (i > 0 && categoryIds[i] == categoryIds[i - 1]) {
                throw new IllegalArgumentException("ground truth: duplicate category id " + c.id);
            }
        }
        size = b.annCount;
        annotationIds = Arrays.copyOf(b.annIds, size);
        boxes = Arrays.copyOf(b.annBoxes, 4 * size);
        areas = Arrays.copyOf(b.annAreas, size);
        crowd = Arrays.copyOf(b.annCrowd, size);
        ignore = Arrays.copyOf(b.annIgnore, size);
        annImage = new int[size];
        annCategory = new int[size];
        for (int a = 0; a < size; a++) {
            int i = Arrays.binarySearch(imageIds, b.annImageIds[a]);
            if (i < 0) {
                throw new IllegalArgumentException("ground truth annotation " + a + " (id " + annotationIds[a]
                        + "): image_id " + b.annImageIds[a] + " is not among the images");
            }
            int k = Arrays.binarySearch(categoryIds, b.annCategoryIds[a]);
            if (k < 0) {
                throw new IllegalArgumentException("ground truth annotation " + a + " (id " + annotationIds[a]
                        + "): category_id " + b.annCategoryIds[a] + " is not among the categories");
            }
            annImage[a] = i;
            annCategory[a] = k;
        }
        negativeCategories = toIndexSets(b.negative);
        notExhaustiveCategories = toIndexSets(b.notExhaustive);
    }

    private int[][] toIndexSets(Map<Long, long[]> byImage) {
        int[][] out = new int[imageIds.length][];
        for (Map.Entry<Long, long[]> e : byImage.entrySet()) {
            int i = Arrays.binarySearch(imageIds, e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException("ground truth: category list given for unknown image id " + e.getKey());
            }
            // Ids of categories that are not in the dataset cannot be evaluated; lvis-api ignores them too.
            out[i] = Arrays.stream(e.getValue()).mapToInt(id -> Arrays.binarySearch(categoryIds, id)).filter(k -> k >= 0)
                    .sorted().distinct().toArray();
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The evaluation view of an annotation file read by {@code CocoJsonReader}: all images, all
     * categories (LVIS {@code frequency} kept), all annotations with their {@code area} and
     * {@code iscrowd}, and the LVIS {@code neg_category_ids} / {@code not_exhaustive_category_ids}.
     */
    public static GroundTruth of(CocoDataset dataset) {
        Builder b = builder();
        for (ImageInfo img : dataset.images()) {
            b.image(img.id());
            if (img.negCategoryIds() != null) {
                b.negativeCategories(img.id(), img.negCategoryIds().stream().mapToLong(Integer::longValue).toArray());
            }
            if (img.notExhaustiveCategoryIds() != null) {
                b.notExhaustiveCategories(img.id(),
                        img.notExhaustiveCategoryIds().stream().mapToLong(Integer::longValue).toArray());
            }
        }
        for (Category c : dataset.categories()) {
            b.category(c.id(), c.name(), c.frequency() == null ? null : c.frequency().code());
        }
        for (Annotation a : dataset.annotations()) {
            // the annotation model has no 'ignore' field: lvis-api then uses ignore = 0
            b.annotation(a.id(), a.imageId(), a.categoryId(), a.x(), a.y(), a.w(), a.h(), a.area(), a.iscrowd(), false);
        }
        return b.build();
    }

    /** Number of images. */
    public int imageCount() {
        return imageIds.length;
    }

    /** Number of categories. */
    public int categoryCount() {
        return categoryIds.length;
    }

    /** Number of annotations. */
    public int annotationCount() {
        return size;
    }

    /** Image ids in increasing order (the evaluation order). */
    public long[] imageIds() {
        return imageIds.clone();
    }

    /** Category ids in increasing order (the order of every per-category array). */
    public long[] categoryIds() {
        return categoryIds.clone();
    }

    /** Category name of category index {@code k}. */
    public String categoryName(int k) {
        return categoryNames[k];
    }

    /** LVIS frequency group ("r", "c" or "f") of category index {@code k}, or null. */
    public String categoryFrequency(int k) {
        return categoryFrequency[k];
    }

    /** Index of an image id in {@link #imageIds()}, or a negative number. */
    public int imageIndex(long imageId) {
        return Arrays.binarySearch(imageIds, imageId);
    }

    /** Index of a category id in {@link #categoryIds()}, or a negative number. */
    public int categoryIndex(long categoryId) {
        return Arrays.binarySearch(categoryIds, categoryId);
    }

    /** True if any image carries LVIS {@code neg_category_ids} or {@code not_exhaustive_category_ids}. */
    public boolean hasFederatedLabels() {
        for (int i = 0; i < imageIds.length; i++) {
            if (negativeCategories[i] != null || notExhaustiveCategories[i] != null) {
                return true;
            }
        }
        return false;
    }

    private record CategoryEntry(long id, String name, String frequency) {
    }

    /** Collects images, categories and annotations; {@link #build()} validates and indexes them. */
    public static final class Builder {
        private final List<Long> images = new ArrayList<>();
        private final List<CategoryEntry> categories = new ArrayList<>();
        private final Map<Long, long[]> negative = new HashMap<>();
        private final Map<Long, long[]> notExhaustive = new HashMap<>();
        private int annCount;
        private long[] annIds = new long[16];
        private long[] annImageIds = new long[16];
        private long[] annCategoryIds = new long[16];
        private double[] annBoxes = new double[64];
        private double[] annAreas = new double[16];
        private boolean[] annCrowd = new boolean[16];
        private boolean[] annIgnore = new boolean[16];

        private Builder() {
        }

        public Builder image(long id) {
            images.add(id);
            return this;
        }

        /**
         * Adds a category.
         *
         * @param frequency LVIS group "r", "c" or "f", or null for COCO
         */
        public Builder category(long id, String name, String frequency) {
            if (frequency != null && !frequency.equals("r") && !frequency.equals("c") && !frequency.equals("f")) {
                throw new IllegalArgumentException("category " + id + ": frequency must be r, c or f, got '" + frequency + "'");
            }
            categories.add(new CategoryEntry(id, Objects.requireNonNullElse(name, String.valueOf(id)), frequency));
            return this;
        }

        /** LVIS: categories verified absent from an image. */
        public Builder negativeCategories(long imageId, long... categoryIds) {
            negative.put(imageId, categoryIds.clone());
            return this;
        }

        /** LVIS: categories present in an image but not exhaustively annotated. */
        public Builder notExhaustiveCategories(long imageId, long... categoryIds) {
            notExhaustive.put(imageId, categoryIds.clone());
            return this;
        }

        /**
         * Adds an annotation with a COCO box {@code [x, y, w, h]}.
         *
         * @param area   the annotation's {@code area} field (used for the area ranges; COCO's is the
         *               segmentation area, not w·h)
         * @param crowd  {@code iscrowd}
         * @param ignore the optional {@code ignore} field (honoured by LVIS evaluation only, as in lvis-api)
         */
        public Builder annotation(long id, long imageId, long categoryId, double x, double y, double w, double h,
                                  double area, boolean crowd, boolean ignore) {
            if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(w) || !Double.isFinite(h) || w < 0 || h < 0) {
                throw new IllegalArgumentException("ground truth annotation " + annCount + " (id " + id + "): bbox ["
                        + x + ", " + y + ", " + w + ", " + h + "] is not finite or has a negative size");
            }
            if (!Double.isFinite(area)) {
                throw new IllegalArgumentException("ground truth annotation " + annCount + " (id " + id + "): area is " + area);
            }
            if (annCount == annIds.length) {
                int n = annCount * 2;
                annIds = Arrays.copyOf(annIds, n);
                annImageIds = Arrays.copyOf(annImageIds, n);
                annCategoryIds = Arrays.copyOf(annCategoryIds, n);
                annBoxes = Arrays.copyOf(annBoxes, 4 * n);
                annAreas = Arrays.copyOf(annAreas, n);
                annCrowd = Arrays.copyOf(annCrowd, n);
                annIgnore = Arrays.copyOf(annIgnore, n);
            }
            int a = annCount++;
            annIds[a] = id;
            annImageIds[a] = imageId;
            annCategoryIds[a] = categoryId;
            annBoxes[4 * a] = x;
            annBoxes[4 * a + 1] = y;
            annBoxes[4 * a + 2] = w;
            annBoxes[4 * a + 3] = h;
            annAreas[a] = area;
            annCrowd[a] = crowd;
            annIgnore[a] = ignore;
            return this;
        }

        public GroundTruth build() {
            return new GroundTruth(this);
        }
    }
}
