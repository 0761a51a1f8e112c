package io.github.retina4j.coco;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dataset category id ↔ contiguous network class index 0..C−1 (DESIGN §2), with names. Indices follow
 * ascending category id, as torchvision/detectron2 do for COCO. Immutable; saved with a model as its
 * two arrays ({@link #categoryIds()}, {@link #names()}).
 */
public final class CategoryMapping {
    private final int[] categoryIds;
    private final String[] names;
    private final Map<Integer, Integer> indexById;

    /** Builds the mapping from parallel arrays: index i ↔ categoryIds[i], names[i]. */
    public CategoryMapping(int[] categoryIds, String[] names) {
        if (categoryIds.length != names.length) {
            throw new IllegalArgumentException("category mapping: " + categoryIds.length + " ids but "
                    + names.length + " names");
        }
        if (categoryIds.length == 0) {
            throw new IllegalArgumentException("category mapping: no categories");
        }
        this.categoryIds = categoryIds.clone();
        this.names = names.clone();
        indexById = new HashMap<>(categoryIds.length * 2);
        for (int i = 0; i < categoryIds.length; i++) {
            if (indexById.put(categoryIds[i], i) != null) {
                throw new IllegalArgumentException("category mapping: duplicate category id " + categoryIds[i]);
            }
        }
    }

    /** Mapping over the given categories sorted by id. */
    public static CategoryMapping of(List<Category> categories) {
        List<Category> sorted = new ArrayList<>(categories);
        sorted.sort(Comparator.comparingInt(Category::id));
        int[] ids = new int[sorted.size()];
        String[] names = new String[sorted.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = sorted.get(i).id();
            names[i] = sorted.get(i).name();
        }
        return new CategoryMapping(ids, names);
    }

    /** Number of classes C. */
    public int size() {
        return categoryIds.length;
    }

    /** Contiguous index of a dataset category id; IllegalArgumentException if unknown. */
    public int toIndex(int categoryId) {
        Integer i = indexById.get(categoryId);
        if (i == null) {
            throw new IllegalArgumentException("category id " + categoryId + " is not in the class list ("
                    + size() + " classes)");
        }
        return i;
    }

    /** True when the dataset category id is mapped. */
    public boolean contains(int categoryId) {
        return indexById.containsKey(categoryId);
    }

    /** Dataset category id of a contiguous index. */
    public int toCategoryId(int index) {
        checkIndex(index);
        return categoryIds[index];
    }

    /** Name of a contiguous index. */
    public String name(int index) {
        checkIndex(index);
        return names[index];
    }

    /** Dataset category ids in index order (a copy). */
    public int[] categoryIds() {
        return categoryIds.clone();
    }

    /** Names in index order (a copy). */
    public String[] names() {
        return names.clone();
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= categoryIds.length) {
            throw new IllegalArgumentException("class index " + index + " out of range 0.." + (categoryIds.length - 1));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CategoryMapping m && Arrays.equals(categoryIds, m.categoryIds) && Arrays.equals(names, m.names);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(categoryIds) + Arrays.hashCode(names);
    }

    @Override
    public String toString() {
        return "CategoryMapping[" + size() + " classes]";
    }
}
