package io.github.retina4j.coco;

import java.util.List;
import java.util.Objects;

/**
 * A COCO/LVIS category. COCO fields: {@code id, name, supercategory}; LVIS fields (null when
 * absent): {@code frequency, image_count, instance_count, synset, synonyms, def}.
 */
public record Category(int id, String name, String supercategory, Frequency frequency,
                       Integer imageCount, Integer instanceCount, String synset,
                       List<String> synonyms, String def) {

    public Category {
        Objects.requireNonNull(name, "category name");
        synonyms = synonyms == null ? null : List.copyOf(synonyms);
    }

    /** A plain COCO category. */
    public static Category coco(int id, String name, String supercategory) {
        return new Category(id, name, supercategory, null, null, null, null, null, null);
    }

    /** True when any LVIS-only field is present. */
    public boolean hasLvisFields() {
        return frequency != null || imageCount != null || instanceCount != null || synset != null
                || synonyms != null || def != null;
    }
}
