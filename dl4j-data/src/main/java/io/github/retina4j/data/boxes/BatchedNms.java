package io.github.retina4j.data.boxes;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Class-aware greedy non-maximum suppression (torchvision {@code ops.batched_nms} semantics): boxes of different
 * classes never suppress each other; within a class, boxes are visited by decreasing score and a box is dropped when its
 * IoU with an already kept box is strictly greater than the threshold. Equal scores are broken by the lower index
 * (stable sort).
 *
 * <p>Hand-written primitive code: greedy NMS is sequential and ND4J's {@code non_max_suppression} op is neither
 * class-aware nor documented to use the strict comparison. Stateless and thread-safe.
 */
public final class BatchedNms {

    private BatchedNms() {
    }

    /**
     * NMS on INDArrays.
     *
     * @param boxes   {@code [n, 4]} boxes (x1, y1, x2, y2)
     * @param scores  {@code [n]} scores
     * @param classes {@code [n]} integer class ids (any integer or floating type holding integers)
     * @return kept indices into the input, in decreasing score order, as an INT64 vector
     */
    public static INDArray nms(INDArray boxes, INDArray scores, INDArray classes, NmsConfig config) {
        double[] b = Boxes.toFlat(boxes, "boxes");
        int n = b.length / 4;
        if (scores.length() != n || classes.length() != n) {
            throw new IllegalArgumentException("boxes (" + n + "), scores (" + scores.length() + ") and classes ("
                    + classes.length() + ") must have the same length");
        }
        double[] s = n == 0 ? new double[0] : Boxes.flatDoubles(scores);
        int[] c = n == 0 ? new int[0] : classes.reshape(n).toIntVector();
        int[] keep = nms(b, s, c, config);
        long[] k = new long[keep.length];
        for (int i = 0; i < keep.length; i++) {
            k[i] = keep[i];
        }
        return keep.length == 0 ? Nd4j.create(DataType.LONG, 0) : Nd4j.createFromArray(k);
    }

    /**
     * NMS on primitive arrays.
     *
     * @param boxes   flat boxes {@code [4n]}
     * @param scores  {@code [n]}
     * @param classes {@code [n]}
     * @return kept indices, decreasing score
     */
    public static int[] nms(double[] boxes, double[] scores, int[] classes, NmsConfig config) {
        int n = scores.length;
        if (boxes.length != 4 * n || classes.length != n) {
            throw new IllegalArgumentException("boxes (" + boxes.length / 4 + "), scores (" + n + ") and classes ("
                    + classes.length + ") must have the same length");
        }
        // Candidates above the score threshold, sorted by decreasing score (stable: lower index first on ties).
        int m = 0;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
            for (int k = 0; k < 4; k++) {
                if (!Double.isFinite(boxes[4 * i + k])) {
                    throw new IllegalArgumentException("box " + i + " coordinate " + k + " is " + boxes[4 * i + k]);
                }
            }
            if (scores[i] > config.scoreThreshold()) {
                order[m++] = i;
            }
        }
        order = sortByScoreDescending(order, m, scores);
        if (config.preNmsTopK() > 0 && order.length > config.preNmsTopK()) {
            order = Arrays.copyOf(order, config.preNmsTopK());
        }
        m = order.length;
        // Gather candidates contiguously (sorted order) for cache-friendly inner loops.
        double[] x1 = new double[m], y1 = new double[m], x2 = new double[m], y2 = new double[m], area = new double[m];
        int[] cls = new int[m];
        for (int k = 0; k < m; k++) {
            int i = order[k];
            x1[k] = boxes[4 * i];
            y1[k] = boxes[4 * i + 1];
            x2[k] = boxes[4 * i + 2];
            y2[k] = boxes[4 * i + 3];
            area[k] = (x2[k] - x1[k]) * (y2[k] - y1[k]);
            cls[k] = classes[i];
        }
        int limit = config.maxDetections() > 0 ? config.maxDetections() : Integer.MAX_VALUE;
        double thr = config.iouThreshold();
        if (limit <= KEPT_LIST_MAX) {
            return keptList(order, m, x1, y1, x2, y2, area, cls, thr, limit);
        }
        // Group candidate positions by class, keeping score order inside a class: (class, position) keys sorted.
        long[] keys = new long[m];
        for (int k = 0; k < m; k++) {
            keys[k] = ((long) cls[k] << 32) | k;
        }
        Arrays.sort(keys);
        int[] pos = new int[m];
        for (int k = 0; k < m; k++) {
            pos[k] = (int) keys[k];
        }
        boolean[] kept = new boolean[m];
        // Scratch arrays reused for every class: the class's boxes gathered contiguously in score order.
        double[] cx1 = new double[m], cy1 = new double[m], cx2 = new double[m], cy2 = new double[m], ca = new double[m];
        boolean[] suppressed = new boolean[m];
        int start = 0;
        while (start < m) {
            int end = start + 1;
            while (end < m && (keys[end] >> 32) == (keys[start] >> 32)) {
                end++;
            }
            int len = end - start;
            for (int q = 0; q < len; q++) {
                int k = pos[start + q];
                cx1[q] = x1[k];
                cy1[q] = y1[k];
                cx2[q] = x2[k];
                cy2[q] = y2[k];
                ca[q] = area[k];
                suppressed[q] = false;
            }
            greedy(len, cx1, cy1, cx2, cy2, ca, thr, suppressed);
            for (int q = 0; q < len; q++) {
                kept[pos[start + q]] = !suppressed[q];
            }
            start = end;
        }
        int total = 0;
        int[] keep = new int[m];
        for (int k = 0; k < m && total < limit; k++) {
            if (kept[k]) {
                keep[total++] = order[k];
            }
        }
        return Arrays.copyOf(keep, total);
    }

    /** Up to this many detections kept, the kept-list scan is used (see keptList); above, the per-class scans. */
    static final int KEPT_LIST_MAX = 1000;

    /**
     * Greedy NMS in global score order against the boxes kept so far, stopping once {@code limit} are kept: per-class
     * greedy NMS (a box is suppressed only by a kept, higher-ranked box of its class) gives the same kept set in the
     * same order, and the same IoU test decides. O(m · kept) with kept ≤ limit, and the boxes after the limit-th kept
     * one are never looked at: for the 100–300 detections of COCO/LVIS this beats grouping every class.
     */
    private static int[] keptList(int[] order, int m, double[] x1, double[] y1, double[] x2, double[] y2, double[] area,
                                  int[] cls, double thr, int limit) {
        int[] kept = new int[Math.min(m, limit)];
        int total = 0;
        for (int k = 0; k < m && total < limit; k++) {
            boolean suppressed = false;
            for (int t = 0; t < total; t++) {
                int p = kept[t];
                if (cls[p] == cls[k] && iouAbove(x1[p], y1[p], x2[p], y2[p], area[p], k, x1, y1, x2, y2, area, thr)) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept[total++] = k;
            }
        }
        int[] keep = new int[total];
        for (int t = 0; t < total; t++) {
            keep[t] = order[kept[t]];
        }
        return keep;
    }

    /** Below this many boxes in a class the plain O(n²) scan is used; above, the x-sorted window (see greedy). */
    private static final int WINDOW_MIN_BOXES = 32;

    /**
     * Greedy NMS over the first {@code len} boxes (one class, score order); marks the suppressed ones. For larger classes
     * the later boxes a kept box can suppress are looked up in an x1-sorted index: IoU &gt; thr ≥ 0 needs a positive
     * intersection, so x1_q &lt; x2_b and x1_q &gt; x1_b − max width. The decisions are exactly the plain scan's.
     */
    private static void greedy(int len, double[] x1, double[] y1, double[] x2, double[] y2, double[] area, double thr,
                               boolean[] suppressed) {
        if (len < WINDOW_MIN_BOXES) {
            greedyScan(len, x1, y1, x2, y2, area, thr, suppressed);
            return;
        }
        double maxW = 0;
        double[] negX1 = new double[len];
        int[] byX = new int[len];
        for (int q = 0; q < len; q++) {
            maxW = Math.max(maxW, x2[q] - x1[q]);
            negX1[q] = -x1[q];
            byX[q] = q;
        }
        byX = sortByScoreDescending(byX, len, negX1); // ascending x1
        double[] sortedX1 = new double[len];
        for (int r = 0; r < len; r++) {
            sortedX1[r] = x1[byX[r]];
        }
        for (int p = 0; p < len; p++) {
            if (suppressed[p]) {
                continue;
            }
            double bx1 = x1[p], by1 = y1[p], bx2 = x2[p], by2 = y2[p], ba = area[p];
            int lo = firstGreater(sortedX1, len, bx1 - maxW);
            int hi = firstAtLeast(sortedX1, len, bx2);
            for (int r = lo; r < hi; r++) {
                int q = byX[r];
                if (q > p && !suppressed[q] && iouAbove(bx1, by1, bx2, by2, ba, q, x1, y1, x2, y2, area, thr)) {
                    suppressed[q] = true;
                }
            }
        }
    }

    /**
     * Whether box {@code q} overlaps box (bx1, by1, bx2, by2) of area {@code ba} with IoU strictly above
     * {@code thr}; shared by both scans (small and static so the JIT inlines it: no per-pair cost).
     */
    private static boolean iouAbove(double bx1, double by1, double bx2, double by2, double ba, int q,
                                    double[] x1, double[] y1, double[] x2, double[] y2, double[] area, double thr) {
        double inter = Boxes.intersection(bx1, by1, bx2, by2, x1[q], y1[q], x2[q], y2[q]);
        // thr >= 0 (NmsConfig), so the 0 that Boxes.iou gives a non-positive union never passes
        return inter > 0 && Boxes.iou(inter, ba, area[q]) > thr;
    }

    /** First index r with {@code v[r] > x} in ascending {@code v[0..len)}. */
    private static int firstGreater(double[] v, int len, double x) {
        int lo = 0, hi = len;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** First index r with {@code v[r] >= x} in ascending {@code v[0..len)}. */
    private static int firstAtLeast(double[] v, int len, double x) {
        int lo = 0, hi = len;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v[mid] >= x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The plain greedy scan: each kept box against every later box of the class. */
    private static void greedyScan(int len, double[] x1, double[] y1, double[] x2, double[] y2, double[] area, double thr,
                                   boolean[] suppressed) {
        for (int p = 0; p < len; p++) {
            if (suppressed[p]) {
                continue;
            }
            double bx1 = x1[p], by1 = y1[p], bx2 = x2[p], by2 = y2[p], ba = area[p];
            for (int q = p + 1; q < len; q++) {
                if (!suppressed[q] && iouAbove(bx1, by1, bx2, by2, ba, q, x1, y1, x2, y2, area, thr)) {
                    suppressed[q] = true;
                }
            }
        }
    }

    /** Sorts the first {@code m} entries of {@code idx} by decreasing score, ties by increasing index (stable). */
    static int[] sortByScoreDescending(int[] idx, int m, double[] scores) {
        // Sort (−score, index) pairs encoded as longs would lose precision; a boxed sort of 10^4..10^5 is fine but we
        // keep it primitive: sort indices by key with a merge sort on int[] (stable).
        int[] a = Arrays.copyOf(idx, m);
        int[] tmp = new int[m];
        mergeSort(a, tmp, 0, m, scores);
        return a;
    }

    private static void mergeSort(int[] a, int[] tmp, int lo, int hi, double[] s) {
        if (hi - lo < 24) {
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                int j = i - 1;
                while (j >= lo && s[a[j]] < s[v]) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(a, tmp, lo, mid, s);
        mergeSort(a, tmp, mid, hi, s);
        if (s[a[mid - 1]] >= s[a[mid]]) {
            return;
        }
        System.arraycopy(a, lo, tmp, lo, hi - lo);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) {
            a[k++] = s[tmp[j]] > s[tmp[i]] ? tmp[j++] : tmp[i++];
        }
        while (i < mid) {
            a[k++] = tmp[i++];
        }
        while (j < hi) {
            a[k++] = tmp[j++];
        }
    }
}
