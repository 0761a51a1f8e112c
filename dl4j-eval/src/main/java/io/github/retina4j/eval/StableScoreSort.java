package io.github.retina4j.eval;

/**
 * Stable sort of index arrays by descending score, on primitive arrays. pycocotools sorts with
 * {@code np.argsort(-scores, kind='mergesort')}: equal scores keep their input order, and that
 * order decides ties in matching and in the precision/recall curves, so the sort must be stable.
 * Hand-written because the JDK has no stable primitive index sort with a key array.
 */
final class StableScoreSort {

    /** Runs up to this length use insertion sort (stable, fastest for the small per-image runs). */
    private static final int INSERTION_LIMIT = 24;

    private StableScoreSort() {
    }

    /**
     * Sorts {@code idx[from, to)} so that {@code score[idx[·]]} is non-increasing; ties keep their order.
     * Comparisons use primitive {@code <}, so -0.0 and 0.0 tie as in NumPy.
     *
     * @param tmp scratch of length at least {@code to}
     */
    static void sortDescending(int[] idx, int from, int to, double[] score, int[] tmp) {
        if (to - from <= INSERTION_LIMIT) {
            insertion(idx, from, to, score);
            return;
        }
        int mid = (from + to) >>> 1;
        sortDescending(idx, from, mid, score, tmp);
        sortDescending(idx, mid, to, score, tmp);
        if (score[idx[mid - 1]] >= score[idx[mid]]) {
            return; // already in order
        }
        System.arraycopy(idx, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        int o = from;
        while (i < mid && j < to) {
            // take from the left run unless the right one is strictly better: stability
            idx[o++] = score[tmp[j]] > score[tmp[i]] ? tmp[j++] : tmp[i++];
        }
        while (i < mid) {
            idx[o++] = tmp[i++];
        }
        while (j < to) {
            idx[o++] = tmp[j++];
        }
    }

    private static void insertion(int[] idx, int from, int to, double[] score) {
        for (int i = from + 1; i < to; i++) {
            int v = idx[i];
            double s = score[v];
            int j = i - 1;
            while (j >= from && score[idx[j]] < s) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
    }

    /**
     * Stable counting sort of {@code items} by an integer key in {@code [0, keyCount)}.
     *
     * @return the items reordered by key, input order kept within a key
     */
    static int[] byKey(int[] items, int[] key, int keyCount) {
        int[] start = new int[keyCount + 1];
        for (int it : items) {
            start[key[it] + 1]++;
        }
        for (int k = 0; k < keyCount; k++) {
            start[k + 1] += start[k];
        }
        int[] out = new int[items.length];
        for (int it : items) {
            out[start[key[it]]++] = it;
        }
        return out;
    }
}
