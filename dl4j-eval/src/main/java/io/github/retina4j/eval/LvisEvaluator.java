package io.github.retina4j.eval;

import io.github.retina4j.coco.DetectionResult;

import java.util.Arrays;
import io.github.retina4j.coco.CocoDataset;

import java.util.List;
import java.util.Objects;

/**
 * LVIS bbox evaluation, reproducing lvis-api's {@code LVISResults(max_dets=300)} +
 * {@code LVISEval(iou_type='bbox').run()}.
 *
 * <p>In this order: keep each image's 300 best-scoring detections (stable on ties); drop
 * ground truths and detections whose area is not > 0 (lvis-api's {@code get_ann_ids} filters
 * {@code area > 0}); federated rule: evaluate a detection only if its category is in the image's
 * positive set (categories with ground truth there) or in its {@code neg_category_ids}; an
 * unmatched detection of a category in the image's {@code not_exhaustive_category_ids} is
 * ignored, not a false positive. Matching is COCO's without crowd rules (the {@code ignore} field
 * of an annotation is honoured), no per-(image, category) limit, one maxDets (all).
 * APr/APc/APf average the categories of each {@code frequency} group.
 */
public final class LvisEvaluator {

    private final EvalParams params;
    private final int threads;

    /** lvis-api's defaults, one thread per available processor. */
    public LvisEvaluator() {
        this(EvalParams.lvis(), Runtime.getRuntime().availableProcessors());
    }

    public LvisEvaluator(EvalParams params, int threads) {
        this.params = Objects.requireNonNull(params, "params");
        this.threads = EvaluatorArgs.checkThreads(threads);
    }

    public EvalParams params() {
        return params;
    }

    /** Evaluates detections against an annotation file read with {@code CocoJsonReader}. */
    public LvisEvalResult evaluate(CocoDataset dataset, List<DetectionResult> results) {
        return evaluate(GroundTruth.of(dataset), results);
    }

    /**
     * Evaluates detections against LVIS-style ground truth.
     *
     * @throws IllegalArgumentException for a result with an unknown image/category id, NaN value or
     *                                  negative size (naming the entry), or a category without a
     *                                  {@code frequency}
     */
    public LvisEvalResult evaluate(GroundTruth gt, List<DetectionResult> results) {
        EvaluatorArgs.requireInputs(gt, results);
        for (int k = 0; k < gt.categoryCount(); k++) {
            if (gt.categoryFrequency(k) == null) {
                throw new IllegalArgumentException("LVIS evaluation: category " + gt.categoryIds[k] + " ('"
                        + gt.categoryName(k) + "') has no 'frequency' (r/c/f) field; is this an LVIS annotation file?");
            }
        }
        DetectionTable table = DetectionTable.of(gt, results);
        int numImages = gt.imageCount();
        int numCats = gt.categoryCount();

        // 1. LVISResults.limit_dets_per_image: the best max_dets per image, before anything else
        boolean[] keep = new boolean[table.size];
        long beyondPerImage = 0;
        int[] byImage = StableScoreSort.byKey(table.all(), table.image, numImages);
        int[] tmp = new int[byImage.length];
        int limit = params.maxDetsPerImage() > 0 ? params.maxDetsPerImage() : Integer.MAX_VALUE;
        for (int s = 0; s < byImage.length; ) {
            int e = s + 1;
            while (e < byImage.length && table.image[byImage[e]] == table.image[byImage[s]]) {
                e++;
            }
            if (e - s > limit) {
                StableScoreSort.sortDescending(byImage, s, e, table.score, tmp);
            }
            int lim = Math.min(e - s, limit);
            for (int j = s; j < s + lim; j++) {
                keep[byImage[j]] = true;
            }
            beyondPerImage += (e - s) - lim;
            s = e;
        }

        // 2. get_ann_ids keeps only area > 0 (ground truth and detections alike)
        int[] gtItems = new int[gt.annotationCount()];
        int ng = 0;
        long gtZeroArea = 0;
        for (int a = 0; a < gt.annotationCount(); a++) {
            if (gt.areas[a] > 0) {
                gtItems[ng++] = a;
            } else {
                gtZeroArea++;
            }
        }
        gtItems = Arrays.copyOf(gtItems, ng);

        // positive set of each image = categories with (kept) ground truth there
        int[][] positive = new int[numImages][];
        int[] gtByImage = StableScoreSort.byKey(gtItems, gt.annImage, numImages);
        for (int s = 0; s < gtByImage.length; ) {
            int e = s + 1;
            int img = gt.annImage[gtByImage[s]];
            while (e < gtByImage.length && gt.annImage[gtByImage[e]] == img) {
                e++;
            }
            int[] cats = new int[e - s];
            for (int j = s; j < e; j++) {
                cats[j - s] = gt.annCategory[gtByImage[j]];
            }
            positive[img] = Arrays.stream(cats).sorted().distinct().toArray();
            s = e;
        }

        // 3. federated rule and not-exhaustive flags
        long detZeroArea = 0;
        long notFederated = 0;
        boolean[] notExhaustive = new boolean[table.size];
        int[] items = new int[table.size];
        int n = 0;
        for (int d = 0; d < table.size; d++) {
            if (!keep[d]) {
                continue;
            }
            if (!(table.area[d] > 0)) {
                detZeroArea++;
                continue;
            }
            int img = table.image[d];
            int cat = table.category[d];
            if (!contains(gt.negativeCategories[img], cat) && !contains(positive[img], cat)) {
                notFederated++;
                continue;
            }
            notExhaustive[d] = contains(gt.notExhaustiveCategories[img], cat);
            items[n++] = d;
        }
        items = Arrays.copyOf(items, n);

        EvaluationEngine.GtGroups g = DetectionTable.groupGroundTruth(gt, gtItems, false, true);
        long[] truncated = new long[1];
        EvaluationEngine.DtGroups dt = table.group(items, numCats, numImages, Integer.MAX_VALUE, notExhaustive, truncated);
        EvaluationEngine.Curves curves = EvaluationEngine.run(params, new EvaluationEngine.Rules(false), numCats, g, dt,
                threads);
        return new LvisEvalResult(params, gt, curves, results.size(), beyondPerImage, detZeroArea, notFederated, n,
                gtZeroArea);
    }

    private static boolean contains(int[] sorted, int v) {
        return sorted != null && Arrays.binarySearch(sorted, v) >= 0;
    }
}
