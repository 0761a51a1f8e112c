package io.github.retina4j.eval;

import io.github.retina4j.coco.DetectionResult;

import java.util.List;

/**
 * Detections validated against a {@link GroundTruth} and stored as primitive columns with image
 * and category indices. Every entry is checked (DESIGN §9): finite values, non-negative size, and
 * image / category ids that exist in the ground truth; errors name the entry's index in the list.
 */
final class DetectionTable {

    final int size;
    final int[] image;
    final int[] category;
    /** COCO boxes [x, y, w, h], 4 per detection. */
    final double[] box;
    final double[] score;
    /** Detection area w·h, as pycocotools' {@code loadRes} sets it. */
    final double[] area;

    private DetectionTable(int n) {
        size = n;
        image = new int[n];
        category = new int[n];
        box = new double[4 * n];
        score = new double[n];
        area = new double[n];
    }

    static DetectionTable of(GroundTruth gt, List<DetectionResult> results) {
        DetectionTable t = new DetectionTable(results.size());
        int n = 0;
        for (DetectionResult r : results) {
            r.validate(n);
            int i = gt.imageIndex(r.imageId());
            if (i < 0) {
                throw new IllegalArgumentException("results entry " + n + ": image_id " + r.imageId()
                        + " is not an image of the ground truth (" + gt.imageCount() + " images)");
            }
            int k = gt.categoryIndex(r.categoryId());
            if (k < 0) {
                throw new IllegalArgumentException("results entry " + n + " (image_id " + r.imageId() + "): category_id "
                        + r.categoryId() + " is not a category of the ground truth (" + gt.categoryCount() + " categories)");
            }
            t.image[n] = i;
            t.category[n] = k;
            t.box[4 * n] = r.x();
            t.box[4 * n + 1] = r.y();
            t.box[4 * n + 2] = r.width();
            t.box[4 * n + 3] = r.height();
            t.score[n] = r.score();
            t.area[n] = r.width() * r.height();
            n++;
        }
        return t;
    }

    /** All entry indices 0..size-1. */
    int[] all() {
        int[] items = new int[size];
        for (int i = 0; i < size; i++) {
            items[i] = i;
        }
        return items;
    }

    /**
     * Groups the given entries by (category, image), sorts each cell by descending score (stable)
     * and keeps at most {@code perCellLimit} per cell.
     *
     * @param ignoreIfUnmatched per entry index, or null for none
     * @param truncated         receives the number of entries dropped by the limit in slot 0
     */
    EvaluationEngine.DtGroups group(int[] items, int numCategories, int numImages, int perCellLimit,
                                     boolean[] ignoreIfUnmatched, long[] truncated) {
        int[] sorted = StableScoreSort.byKey(StableScoreSort.byKey(items, image, numImages), category, numCategories);
        int[] tmp = new int[sorted.length];
        int n = sorted.length;
        // sort each (category, image) run by score and apply the per-cell limit
        int kept = 0;
        int[] keep = new int[n];
        int[] rank = new int[n];
        int s = 0;
        while (s < n) {
            int e = s + 1;
            while (e < n && category[sorted[e]] == category[sorted[s]] && image[sorted[e]] == image[sorted[s]]) {
                e++;
            }
            StableScoreSort.sortDescending(sorted, s, e, score, tmp);
            int lim = Math.min(e - s, perCellLimit);
            for (int j = 0; j < lim; j++) {
                rank[kept] = j;
                keep[kept++] = sorted[s + j];
            }
            truncated[0] += (e - s) - lim;
            s = e;
        }
        int[] catStart = new int[numCategories + 1];
        int[] img = new int[kept];
        double[] b = new double[4 * kept];
        double[] ar = new double[kept];
        double[] sc = new double[kept];
        boolean[] ign = new boolean[kept];
        for (int j = 0; j < kept; j++) {
            int d = keep[j];
            catStart[category[d] + 1]++;
            img[j] = image[d];
            System.arraycopy(box, 4 * d, b, 4 * j, 4);
            ar[j] = area[d];
            sc[j] = score[d];
            ign[j] = ignoreIfUnmatched != null && ignoreIfUnmatched[d];
        }
        for (int k = 0; k < numCategories; k++) {
            catStart[k + 1] += catStart[k];
        }
        return new EvaluationEngine.DtGroups(catStart, img, b, ar, sc, java.util.Arrays.copyOf(rank, kept), ign);
    }

    /** Groups ground-truth annotations (the given subset) by (category, image), file order kept. */
    static EvaluationEngine.GtGroups groupGroundTruth(GroundTruth gt, int[] items, boolean crowdRules, boolean useIgnoreField) {
        int k0 = gt.categoryCount();
        int[] sorted = StableScoreSort.byKey(StableScoreSort.byKey(items, gt.annImage, gt.imageCount()), gt.annCategory, k0);
        int n = sorted.length;
        int[] catStart = new int[k0 + 1];
        int[] img = new int[n];
        double[] b = new double[4 * n];
        double[] ar = new double[n];
        boolean[] crowd = new boolean[n];
        boolean[] ignore = new boolean[n];
        for (int j = 0; j < n; j++) {
            int a = sorted[j];
            catStart[gt.annCategory[a] + 1]++;
            img[j] = gt.annImage[a];
            System.arraycopy(gt.boxes, 4 * a, b, 4 * j, 4);
            ar[j] = gt.areas[a];
            // COCO: pycocotools sets gt['ignore'] = iscrowd, overwriting any 'ignore' field;
            // LVIS: lvis-api keeps the 'ignore' field and has no crowd rule.
            crowd[j] = crowdRules && gt.crowd[a];
            ignore[j] = useIgnoreField ? gt.ignore[a] : gt.crowd[a];
        }
        for (int k = 0; k < k0; k++) {
            catStart[k + 1] += catStart[k];
        }
        return new EvaluationEngine.GtGroups(catStart, img, b, ar, crowd, ignore);
    }
}
