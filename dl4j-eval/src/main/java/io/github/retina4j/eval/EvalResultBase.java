package io.github.retina4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the COCO and LVIS results share: the parameters, the category axis, the precision [T, R, K, A, M] and recall
 * [T, K, A, M] arrays of the evaluation (pycocotools' {@code eval['precision']}, {@code eval['recall']}), the
 * per-category numbers and the counts of what was evaluated and cut (DESIGN §9).
 */
abstract class EvalResultBase implements EvaluationSummary {

    final EvalParams params;
    final long[] categoryIds;
    final double[] precision;
    final double[] recall;
    private List<CategoryMetrics> perCategory;
    private Map<String, Long> counts;

    EvalResultBase(EvalParams params, GroundTruth gt, EvaluationEngine.Curves curves) {
        this.params = params;
        this.categoryIds = gt.categoryIds();
        this.precision = curves.precision();
        this.recall = curves.recall();
    }

    /** Sets the per-category numbers and counts, once, at the end of the subclass's constructor. */
    final void setSummaries(List<CategoryMetrics> perCategory, Map<String, Long> counts) {
        this.perCategory = List.copyOf(perCategory);
        this.counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** The counts every evaluation starts with: images, categories and annotations of the ground truth. */
    static Map<String, Long> groundTruthCounts(GroundTruth gt) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("images", (long) gt.imageCount());
        c.put("categories", (long) gt.categoryCount());
        c.put("annotations", (long) gt.annotationCount());
        return c;
    }

    final int[] precisionShape() {
        return new int[] {params.iouThresholds().length, params.recallThresholds().length, categoryIds.length,
                params.areaRanges().size(), params.maxDets().length};
    }

    final int[] recallShape() {
        return new int[] {params.iouThresholds().length, categoryIds.length, params.areaRanges().size(),
                params.maxDets().length};
    }

    public EvalParams params() {
        return params;
    }

    /** Category ids in the order of the K axis. */
    public long[] categoryIds() {
        return categoryIds.clone();
    }

    /** Per-category AP, AP50, AP75 and AR (area all), in category-id order. */
    @Override
    public List<CategoryMetrics> perCategory() {
        return perCategory;
    }

    /** Counts of what was evaluated and what was cut (DESIGN §9: nothing silently dropped). */
    @Override
    public Map<String, Long> counts() {
        return counts;
    }

    @Override
    public String toString() {
        return summaryText();
    }
}
