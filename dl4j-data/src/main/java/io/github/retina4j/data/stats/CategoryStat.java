package io.github.retina4j.data.stats;

import io.github.retina4j.coco.Frequency;

/**
 * Statistics of one category over a dataset.
 *
 * @param index         contiguous class index (ascending category id)
 * @param imageCount    N_j: images with at least one annotation of the category
 * @param instanceCount annotations of the category (crowd included)
 * @param imageFraction f_j = N_j / number of images (the EQL and repeat-factor frequency)
 * @param group         rare / common / frequent from {@code imageCount} (LVIS §3 thresholds)
 * @param declared      the {@code frequency} field of the file, or null (COCO)
 * @param repeatFactor  r_c = max(1, sqrt(t / f_j)) (1 for a category without images)
 */
public record CategoryStat(int index, int categoryId, String name, int imageCount, int instanceCount,
                           double imageFraction, Frequency group, Frequency declared, double repeatFactor) {
}
