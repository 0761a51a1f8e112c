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
        double[] s = n == 0 ? new double[0] : scores.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int[] c = n == 0 ? new int[0] : classes.castTo(DataType.INT).dup('c').data().asInt();
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
        boolean[] suppressed = new boolean[m];
        boolean[] kept = new boolean[m];
        int start = 0;
        while (start < m) {
            int end = start + 1;
            while (end < m && (keys[end] >> 32) == (keys[start] >> 32)) {
                end++;
            }
            greedy(pos, start, end, x1, y1, x2, y2, area, thr, suppressed, kept);
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

    /** Greedy NMS over candidate positions {@code pos[start..end)} of one class (positions in score order). */
    private static void greedy(int[] pos, int start, int end, double[] x1, double[] y1, double[] x2, double[] y2,
                               double[] area, double thr, boolean[] suppressed, boolean[] kept) {
        for (int p = start; p < end; p++) {
            int k = pos[p];
            if (suppressed[k]) {
                continue;
            }
            kept[k] = true;
            double bx1 = x1[k], by1 = y1[k], bx2 = x2[k], by2 = y2[k], ba = area[k];
            for (int q = p + 1; q < end; q++) {
                int j = pos[q];
                if (suppressed[j]) {
                    continue;
                }
                double iw = Math.min(bx2, x2[j]) - Math.max(bx1, x1[j]);
                double ih = Math.min(by2, y2[j]) - Math.max(by1, y1[j]);
                if (iw <= 0 || ih <= 0) {
                    continue;
                }
                double inter = iw * ih;
                double union = ba + area[j] - inter;
                if (union > 0 && inter / union > thr) {
                    suppressed[j] = true;
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
