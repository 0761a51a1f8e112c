package io.github.retina4j.coco;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable COCO instances / LVIS (v0.5, v1) dataset: images, annotations and categories in file
 * order, plus the opaque top-level {@code info} and {@code licenses} values (raw JSON text, or null),
 * with O(1) lookups by image id, per-image annotation lists and category by id.
 *
 * <p>The constructor checks referential integrity (unique ids, every annotation's image and category
 * exist) and throws {@link AnnotationFormatException} otherwise; {@link CocoJsonReader} applies the
 * skip policy before constructing. {@link #equals} compares content (not the read-time
 * {@link #skipReport()}).
 */
public final class CocoDataset {
    private static final String MEMORY = "<memory>";

    private final String info;
    private final String licenses;
    private final List<ImageInfo> images;
    private final List<Annotation> annotations;
    private final List<Category> categories;
    private final Map<Long, ImageInfo> imageById;
    private final Map<Long, Integer> imageIndexById;
    private final Map<Long, List<Annotation>> annotationsByImage;
    private final Map<Integer, Category> categoryById;
    private final SkipReport skipReport;

    /** A dataset without info/licenses. */
    public CocoDataset(List<ImageInfo> images, List<Annotation> annotations, List<Category> categories) {
        this(null, null, images, annotations, categories, new SkipReport());
    }

    /**
     * @param info       raw JSON text of the top-level {@code info} value, or null
     * @param licenses   raw JSON text of the top-level {@code licenses} value, or null
     * @param skipReport what the reader skipped while building this dataset (not part of equality)
     */
    public CocoDataset(String info, String licenses, List<ImageInfo> images, List<Annotation> annotations,
                       List<Category> categories, SkipReport skipReport) {
        this.info = info;
        this.licenses = licenses;
        this.images = List.copyOf(images);
        this.annotations = List.copyOf(annotations);
        this.categories = List.copyOf(categories);
        this.skipReport = skipReport == null ? new SkipReport() : skipReport;

        imageById = new HashMap<>(this.images.size() * 2);
        imageIndexById = new HashMap<>(this.images.size() * 2);
        for (int i = 0; i < this.images.size(); i++) {
            ImageInfo im = this.images.get(i);
            if (imageById.put(im.id(), im) != null) {
                throw new AnnotationFormatException(MEMORY, "images[" + i + "] (id " + im.id() + ")", "duplicate image id");
            }
            imageIndexById.put(im.id(), i);
        }
        categoryById = new HashMap<>(this.categories.size() * 2);
        for (int i = 0; i < this.categories.size(); i++) {
            Category c = this.categories.get(i);
            if (categoryById.put(c.id(), c) != null) {
                throw new AnnotationFormatException(MEMORY, "categories[" + i + "] (id " + c.id() + ")", "duplicate category id");
            }
        }
        Map<Long, List<Annotation>> byImage = new HashMap<>(this.images.size() * 2);
        for (int i = 0; i < this.annotations.size(); i++) {
            Annotation a = this.annotations.get(i);
            if (!imageById.containsKey(a.imageId())) {
                throw new AnnotationFormatException(MEMORY, "annotations[" + i + "] (id " + a.id() + ")",
                        "unknown image_id " + a.imageId());
            }
            if (!categoryById.containsKey(a.categoryId())) {
                throw new AnnotationFormatException(MEMORY, "annotations[" + i + "] (id " + a.id() + ")",
                        "unknown category_id " + a.categoryId());
            }
            byImage.computeIfAbsent(a.imageId(), k -> new ArrayList<>()).add(a);
        }
        byImage.replaceAll((k, v) -> Collections.unmodifiableList(v));
        annotationsByImage = byImage;
    }

    public List<ImageInfo> images() {
        return images;
    }

    public List<Annotation> annotations() {
        return annotations;
    }

    public List<Category> categories() {
        return categories;
    }

    /** Raw JSON text of {@code info}, or null. */
    public String info() {
        return info;
    }

    /** Raw JSON text of {@code licenses}, or null. */
    public String licenses() {
        return licenses;
    }

    /** The image with this id; throws IllegalArgumentException if unknown. */
    public ImageInfo image(long imageId) {
        ImageInfo im = imageById.get(imageId);
        if (im == null) {
            throw new IllegalArgumentException("unknown image id " + imageId);
        }
        return im;
    }

    /** True if an image with this id exists. */
    public boolean hasImage(long imageId) {
        return imageById.containsKey(imageId);
    }

    /** Position of the image in {@link #images()}; throws if unknown. */
    public int imageIndex(long imageId) {
        Integer i = imageIndexById.get(imageId);
        if (i == null) {
            throw new IllegalArgumentException("unknown image id " + imageId);
        }
        return i;
    }

    /** The annotations of an image in file order (empty list for an image without any). */
    public List<Annotation> annotationsOf(long imageId) {
        if (!imageById.containsKey(imageId)) {
            throw new IllegalArgumentException("unknown image id " + imageId);
        }
        return annotationsByImage.getOrDefault(imageId, List.of());
    }

    /** The category with this id; throws IllegalArgumentException if unknown. */
    public Category category(int categoryId) {
        Category c = categoryById.get(categoryId);
        if (c == null) {
            throw new IllegalArgumentException("unknown category id " + categoryId);
        }
        return c;
    }

    /** True if a category with this id exists. */
    public boolean hasCategory(int categoryId) {
        return categoryById.containsKey(categoryId);
    }

    /** Contiguous 0..C−1 mapping of this dataset's categories (sorted by id). */
    public CategoryMapping categoryMapping() {
        return CategoryMapping.of(categories);
    }

    /** True when any image or category carries LVIS fields (neg/not-exhaustive ids, frequency, ...). */
    public boolean isLvis() {
        for (Category c : categories) {
            if (c.hasLvisFields()) {
                return true;
            }
        }
        for (ImageInfo im : images) {
            if (im.hasLvisFields()) {
                return true;
            }
        }
        return false;
    }

    /** What the reader skipped while building this dataset (empty when read with the fail policy). */
    public SkipReport skipReport() {
        return skipReport;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CocoDataset d)) {
            return false;
        }
        return Objects.equals(info, d.info) && Objects.equals(licenses, d.licenses) && images.equals(d.images)
                && annotations.equals(d.annotations) && categories.equals(d.categories);
    }

    @Override
    public int hashCode() {
        return Objects.hash(info, licenses, images, annotations, categories);
    }

    @Override
    public String toString() {
        return "CocoDataset[" + images.size() + " images, " + annotations.size() + " annotations, "
                + categories.size() + " categories" + (isLvis() ? ", LVIS" : "") + "]";
    }
}
