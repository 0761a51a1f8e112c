package io.github.retina4j.coco;

import java.util.List;

/**
 * One entry of the {@code images} array. COCO: {@code id, file_name, width, height} (+ license,
 * coco_url, flickr_url, date_captured); LVIS adds {@code neg_category_ids} and
 * {@code not_exhaustive_category_ids} (null when absent, i.e. a COCO file). LVIS v1 has no
 * {@code file_name}: {@link #resolvedFileName()} then uses the last two parts of {@code coco_url}
 * ({@code train2017/000000391895.jpg}, relative to the COCO image root), as detectron2 does, because
 * LVIS v1 val draws images from both COCO train2017 and val2017.
 */
public record ImageInfo(long id, String fileName, int width, int height, String cocoUrl,
                        String flickrUrl, Integer license, String dateCaptured,
                        List<Integer> negCategoryIds, List<Integer> notExhaustiveCategoryIds) {

    public ImageInfo {
        negCategoryIds = negCategoryIds == null ? null : List.copyOf(negCategoryIds);
        notExhaustiveCategoryIds = notExhaustiveCategoryIds == null ? null : List.copyOf(notExhaustiveCategoryIds);
    }

    /** A plain COCO image entry. */
    public static ImageInfo coco(long id, String fileName, int width, int height) {
        return new ImageInfo(id, fileName, width, height, null, null, null, null, null, null);
    }

    /** An LVIS image entry. */
    public static ImageInfo lvis(long id, String fileName, int width, int height, String cocoUrl,
                                 List<Integer> negCategoryIds, List<Integer> notExhaustiveCategoryIds) {
        return new ImageInfo(id, fileName, width, height, cocoUrl, null, null, null,
                negCategoryIds, notExhaustiveCategoryIds);
    }

    /** {@code file_name}, or the last two path elements of {@code coco_url} (LVIS v1), or null. */
    public String resolvedFileName() {
        if (fileName != null) {
            return fileName;
        }
        if (cocoUrl != null) {
            int last = cocoUrl.lastIndexOf('/');
            int before = last > 0 ? cocoUrl.lastIndexOf('/', last - 1) : -1;
            return cocoUrl.substring(before + 1);
        }
        return null;
    }

    /** True when any LVIS-only field is present. */
    public boolean hasLvisFields() {
        return negCategoryIds != null || notExhaustiveCategoryIds != null;
    }
}
