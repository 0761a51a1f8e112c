package io.github.retina4j.eval;

/**
 * Per-category numbers of an evaluation (area "all", the largest maxDets), −1 when the category
 * has no ground truth.
 *
 * @param categoryId dataset category id
 * @param name       category name
 * @param frequency  LVIS frequency group ("r", "c", "f") or null
 * @param numGt      number of non-ignored ground truths (area "all")
 * @param ap         AP over IoU 0.50:0.95
 * @param ap50       AP at IoU 0.50
 * @param ap75       AP at IoU 0.75
 * @param ar         recall averaged over the IoU thresholds (COCO AR@100, LVIS AR@300)
 */
public record CategoryMetrics(long categoryId, String name, String frequency, int numGt, double ap, double ap50,
                              double ap75, double ar) {
}
