package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.PostProcessConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Step 1 of the post-processing (DESIGN §6; torchvision {@code RetinaNet.postprocess_detections}): per pyramid level,
 * the (anchor, class) pairs whose score exceeds the threshold, of which the {@code topKPerLevel} best (higher score,
 * then lower flat index c·A + a) are kept, as rank keys ({@link DetectionPostProcessor#rankKey}) best first.
 *
 * <p>The scores are the ones of the whole {@code [C, A]} array (ND4J's float sigmoid, or the {@link ClassScoring}),
 * but they are computed only where they can matter: the score is monotone in the logit, so a bound on the logit
 * discards what cannot pass the threshold or reach a level's top k before any score is computed. Exact scores are
 * then computed for the few candidates left and decide, so the selection is the one of scoring every pair.
 * Not thread-safe (scratch buffers); one per {@code process} call.
 */
abstract sealed class CandidateSelection {

    /**
     * Bound on |ND4J's float sigmoid − σ| and on the float rounding of {@link ClassScoring}'s double scores (σ the
     * exact value for the float logit). The margins below assume it; {@code DetectionPostProcessorTest} measures
     * ND4J's error over the float range that matters.
     */
    static final double SCORE_ERROR = 1e-6;

    final float threshold;
    final int topK;

    CandidateSelection(PostProcessConfig config) {
        this.threshold = (float) config.scoreThreshold();
        this.topK = config.topKPerLevel();
    }

    /**
     * The kept candidates of one image whose logits {@code [C, A]} start at {@code base} of {@code logits}: one array
     * of rank keys per level, best first.
     */
    abstract long[][] select(FloatBuffer logits, int base, int c, int a, int[] anchorsPerLevel);

    private float[] rowScratch = new float[0];

    /**
     * A scratch row of at least {@code length} floats: one class's logits of one level are bulk-copied into it and scanned as a
     * plain array (a tight loop the JIT unrolls, where per-element buffer reads are several times slower).
     */
    float[] row(int length) {
        if (rowScratch.length < length) {
            rowScratch = new float[length];
        }
        return rowScratch;
    }

    /** The largest float ≤ {@code x} (−∞ for NaN or −∞). */
    static float floatAtMost(double x) {
        if (!(x > Double.NEGATIVE_INFINITY)) {
            return Float.NEGATIVE_INFINITY;
        }
        float f = (float) x;
        return f > x ? Math.nextDown(f) : f;
    }

    /** The smallest float ≥ {@code x} (+∞ for NaN or +∞). */
    static float floatAtLeast(double x) {
        if (!(x < Double.POSITIVE_INFINITY)) {
            return Float.POSITIVE_INFINITY;
        }
        float f = (float) x;
        return f < x ? Math.nextUp(f) : f;
    }

    /** A relative margin against the rounding of the double bounds (negligible next to {@link #SCORE_ERROR}). */
    static double widen(double bound, double sign) {
        if (Double.isInfinite(bound)) {
            return bound;
        }
        return bound + sign * 1e-9 * (1 + Math.abs(bound));
    }

    /** logit(p) for p in (0, 1); −∞ for p ≤ 0, +∞ for p ≥ 1. */
    static double logit(double p) {
        return p <= 0 ? Double.NEGATIVE_INFINITY : p >= 1 ? Double.POSITIVE_INFINITY : Math.log(p / (1 - p));
    }

    /** The best {@code min(k, count)} of {@code keys[0..count)}, best first. */
    static long[] best(long[] keys, int count, int k) {
        Arrays.sort(keys, 0, count);
        int m = Math.min(k, count);
        long[] out = new long[m];
        for (int i = 0; i < m; i++) {
            out[i] = keys[count - 1 - i];
        }
        return out;
    }

    /**
     * Plain sigmoid scores. Per level the logits are streamed through a buffer with a rising bar: a logit x is dropped
     * when σ(x) ≤ thr − ε (its ND4J score cannot exceed thr), or when σ(x) &lt; σ(T) − 2ε for T the k-th largest logit
     * seen so far (k pairs of the level then score at least σ(T) − ε, strictly more than x can, and pass the threshold
     * whenever x would: x is not among the k best). Only the candidates left get ND4J's sigmoid, one call per image, and
     * the exact threshold and top-k decide. Ties of the exact scores (e.g. saturated at 1) stay in the buffer: the bar
     * sits below every logit whose score can tie.
     */
    static final class Sigmoid extends CandidateSelection {
        /** Lowest logit that can pass the threshold (as a float: keep x ≥ it). */
        private final float passBar;
        private int[] idx = new int[0];
        private float[] val = new float[0];
        private float[] scratch = new float[0];

        Sigmoid(PostProcessConfig config) {
            super(config);
            // keep x with σ(x) > thr − ε; thr ∈ [0, 1) (PostProcessConfig)
            double bound = logit(threshold - SCORE_ERROR);
            float atMost = floatAtMost(widen(bound, -1));
            this.passBar = atMost == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : Math.nextUp(atMost);
        }

        @Override
        long[][] select(FloatBuffer logits, int base, int c, int a, int[] anchorsPerLevel) {
            int levels = anchorsPerLevel.length;
            int[] levelEnd = new int[levels];
            int capacity = (int) Math.min(Math.max(8L * topK, 1024), 1 << 20); // grows when ties need more
            if (idx.length < capacity) {
                idx = new int[capacity];
                val = new float[capacity];
            }
            int size = 0;
            int levelStart = 0;
            for (int l = 0; l < levels; l++) {
                int first = size;
                float bar = passBar;
                int end = levelStart + anchorsPerLevel[l];
                int len = anchorsPerLevel[l];
                float[] row = row(len);
                for (int cls = 0; cls < c; cls++) {
                    logits.get(base + cls * a + levelStart, row, 0, len);
                    int flat = cls * a + levelStart;
                    for (int j = 0; j < len; j++) {
                        float x = row[j];
                        if (x >= bar) {
                            if (size == idx.length) {
                                float b = barOf(first, size);
                                size = drop(first, size, b);
                                bar = Math.max(bar, b);
                                if (size > first + (idx.length - first) / 2) {
                                    grow();
                                }
                            }
                            idx[size] = flat + j;
                            val[size++] = x;
                        }
                    }
                }
                size = drop(first, size, barOf(first, size));
                levelEnd[l] = size;
                levelStart = end;
            }
            // exact scores of what is left: the same ND4J op as over the whole array, element by element
            float[] scores = size == 0 ? new float[0]
                    : Transforms.sigmoid(Nd4j.createFromArray(Arrays.copyOf(val, size)), false).data().asFloat();
            long[][] out = new long[levels][];
            long[] keys = new long[size];
            int from = 0;
            for (int l = 0; l < levels; l++) {
                int count = 0;
                for (int i = from; i < levelEnd[l]; i++) {
                    if (scores[i] > threshold) {
                        keys[count++] = DetectionPostProcessor.rankKey(scores[i], idx[i]);
                    }
                }
                out[l] = best(keys, count, topK);
                from = levelEnd[l];
            }
            return out;
        }

        /** The selection bar of the level's entries [first, size): keep x ≥ it. */
        private float barOf(int first, int size) {
            if (size - first < topK) {
                return Float.NEGATIVE_INFINITY;
            }
            double t = kthLargest(first, size, topK);
            double s = 1 / (1 + Math.exp(-t)) - 2 * SCORE_ERROR;
            return floatAtMost(widen(logit(s), -1));
        }

        /** Drops the level's entries [first, size) below {@code bar}; returns the new size. */
        private int drop(int first, int size, float bar) {
            if (bar == Float.NEGATIVE_INFINITY) {
                return size;
            }
            int w = first;
            for (int i = first; i < size; i++) {
                if (val[i] >= bar) {
                    idx[w] = idx[i];
                    val[w++] = val[i];
                }
            }
            return w;
        }

        private void grow() {
            idx = Arrays.copyOf(idx, 2 * idx.length);
            val = Arrays.copyOf(val, 2 * val.length);
        }

        /** The k-th largest of val[first, size) (no NaN: they never pass x ≥ bar), by quickselect on a copy. */
        private float kthLargest(int first, int size, int k) {
            int n = size - first;
            if (scratch.length < n) {
                scratch = new float[Math.max(n, 2 * scratch.length)];
            }
            float[] v = scratch;
            System.arraycopy(val, first, v, 0, n);
            int lo = 0, hi = n - 1, target = k - 1;   // position in descending order
            while (lo < hi) {
                float pivot = v[(lo + hi) >>> 1];
                int i = lo, j = hi;
                while (i <= j) {
                    while (v[i] > pivot) {
                        i++;
                    }
                    while (v[j] < pivot) {
                        j--;
                    }
                    if (i <= j) {
                        float t = v[i];
                        v[i++] = v[j];
                        v[j--] = t;
                    }
                }
                if (target <= j) {
                    hi = j;
                } else if (target >= i) {
                    lo = i;
                } else {
                    break;
                }
            }
            return v[target];
        }
    }

    /**
     * {@link ClassScoring} scores (Gumbel, logit weights, NorCal): per class, the logits whose exact score cannot exceed
     * thr − ε are skipped by an interval test ({@link ClassScoring#logitInterval}); the rest get their exact score,
     * computed as {@link ClassScoring#scores} computes it, and a bounded min-heap per level keeps the k best keys.
     */
    static final class Scoring extends CandidateSelection {
        private final ClassScoring scoring;
        private final double[] weights;
        private final double[] factors;
        private final float[] lo;
        private final float[] hi;
        private final long[] heap;

        Scoring(PostProcessConfig config, ClassScoring scoring, int numClasses) {
            super(config);
            this.scoring = scoring;
            double[][] wk = scoring.classWeightsAndFactors(numClasses);
            this.weights = wk[0];
            this.factors = wk[1];
            this.lo = new float[numClasses];
            this.hi = new float[numClasses];
            for (int c = 0; c < numClasses; c++) {
                double[] range = scoring.logitInterval(c, threshold - SCORE_ERROR);
                lo[c] = floatAtMost(widen(range[0], -1));
                hi[c] = floatAtLeast(widen(range[1], 1));
            }
            this.heap = new long[topK];
        }

        @Override
        long[][] select(FloatBuffer logits, int base, int c, int a, int[] anchorsPerLevel) {
            long[][] out = new long[anchorsPerLevel.length][];
            int levelStart = 0;
            for (int l = 0; l < anchorsPerLevel.length; l++) {
                int end = levelStart + anchorsPerLevel[l];
                int size = 0;
                int len = anchorsPerLevel[l];
                float[] row = row(len);
                for (int cls = 0; cls < c; cls++) {
                    float low = lo[cls], high = hi[cls];
                    double w = weights[cls], k = factors[cls];
                    logits.get(base + cls * a + levelStart, row, 0, len);
                    for (int j = 0; j < len; j++) {
                        float x = row[j];
                        if (!(x > low && x < high)) {
                            continue;
                        }
                        float v = (float) scoring.score(w * x, k);
                        if (v > threshold) {
                            long key = DetectionPostProcessor.rankKey(v, cls * a + levelStart + j);
                            if (size < topK) {
                                heap[size] = key;
                                siftUp(heap, size++);
                            } else if (key > heap[0]) {
                                heap[0] = key;
                                siftDown(heap, size);
                            }
                        }
                    }
                }
                out[l] = best(Arrays.copyOf(heap, size), size, topK);
                levelStart = end;
            }
            return out;
        }

        private static void siftUp(long[] h, int i) {
            long v = h[i];
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (h[parent] <= v) {
                    break;
                }
                h[i] = h[parent];
                i = parent;
            }
            h[i] = v;
        }

        private static void siftDown(long[] h, int size) {
            long v = h[0];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && h[child + 1] < h[child]) {
                    child++;
                }
                if (h[child] >= v) {
                    break;
                }
                h[i] = h[child];
                i = child;
            }
            h[i] = v;
        }
    }
}
