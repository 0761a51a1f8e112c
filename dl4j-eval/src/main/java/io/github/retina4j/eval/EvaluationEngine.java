package io.github.retina4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The per-image matching ({@code evaluateImg}) and accumulation ({@code accumulate}) of pycocotools'
 * COCOeval / lvis-api's LVISEval, on primitive arrays grouped by (category, image).
 *
 * <p>Hand-written: no Java library implements COCO evaluation, and this is sorting plus greedy
 * matching that ND4J cannot express. The work of one category (its cells and its precision/recall
 * curves) is independent of every other category, so categories run in parallel.
 *
 * <p>Layouts follow NumPy's C order of pycocotools' arrays: precision [T, R, K, A, M],
 * recall [T, K, A, M].
 */
final class EvaluationEngine {

    /** pycocotools: {@code iou = min([t, 1-1e-10])}, so that an IoU of exactly 1 still needs >= threshold. */
    static final double MAX_IOU_START = 1 - 1e-10;
    /** {@code np.spacing(1)}, added to the precision denominator by pycocotools. */
    static final double SPACING_1 = Math.ulp(1.0);

    private static final byte MATCHED = 1;
    private static final byte IGNORED = 2;

    /** Matching rules that differ between COCO and LVIS. */
    record Rules(boolean crowdRules) {
    }

    /**
     * Ground truth grouped by category, then image, file order kept within a (category, image) cell.
     * {@code crowd}: IoU by detection area and may be matched many times (COCO); {@code ignore}:
     * ignored ground truth.
     */
    record GtGroups(int[] catStart, int[] image, double[] box, double[] area, boolean[] crowd, boolean[] ignore) {
    }

    /**
     * Detections grouped by category, then image, sorted by descending score (stable) within a
     * cell. {@code rank} = position within its cell; {@code ignoreIfUnmatched} marks LVIS detections
     * of not-exhaustively annotated categories.
     */
    record DtGroups(int[] catStart, int[] image, double[] box, double[] area, double[] score, int[] rank,
                    boolean[] ignoreIfUnmatched) {
    }

    /** Accumulated curves, plus the number of non-ignored ground truths per [K, A]. */
    record Curves(double[] precision, double[] recall, int[] numGt) {
    }

    private EvaluationEngine() {
    }

    static Curves run(EvalParams p, Rules rules, int numCategories, GtGroups gt, DtGroups dt, int threads) {
        double[] iouThr = p.iouThresholds();
        double[] recThr = p.recallThresholds();
        List<AreaRange> areas = p.areaRanges();
        int[] maxDets = p.maxDets();
        int t0 = iouThr.length;
        int r0 = recThr.length;
        int a0 = areas.size();
        int m0 = maxDets.length;
        double[] precision = new double[t0 * r0 * numCategories * a0 * m0];
        double[] recall = new double[t0 * numCategories * a0 * m0];
        Arrays.fill(precision, -1);
        Arrays.fill(recall, -1);
        int[] numGt = new int[numCategories * a0];
        double[] areaMin = new double[a0];
        double[] areaMax = new double[a0];
        for (int a = 0; a < a0; a++) {
            areaMin[a] = areas.get(a).min();
            areaMax[a] = areas.get(a).max();
        }
        Shape s = new Shape(numCategories, t0, r0, a0, m0, iouThr, recThr, areaMin, areaMax, maxDets, rules.crowdRules());
        if (threads <= 1 || numCategories <= 1) {
            Worker w = new Worker(s, gt, dt, precision, recall, numGt);
            for (int k = 0; k < numCategories; k++) {
                w.category(k);
            }
        } else {
            // Largest categories first, pulled from a shared counter by each thread: the long tail
            // of category sizes (one category can hold a fifth of the detections) stays balanced.
            Integer[] bySize = new Integer[numCategories];
            for (int k = 0; k < numCategories; k++) {
                bySize[k] = k;
            }
            Arrays.sort(bySize, (x, y) -> Integer.compare(work(gt, dt, y), work(gt, dt, x)));
            AtomicInteger next = new AtomicInteger();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Runnable task = () -> {
                Worker w = new Worker(s, gt, dt, precision, recall, numGt);
                try {
                    for (int i = next.getAndIncrement(); i < numCategories && failure.get() == null; i = next.getAndIncrement()) {
                        w.category(bySize[i]);
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            };
            int n = Math.min(threads, numCategories);
            Thread[] helpers = new Thread[n - 1];
            for (int i = 0; i < helpers.length; i++) {
                helpers[i] = new Thread(task, "retina4j-eval-" + i);
                helpers[i].setDaemon(true);
                helpers[i].start();
            }
            task.run();
            for (Thread h : helpers) {
                try {
                    h.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("evaluation interrupted", e);
                }
            }
            if (failure.get() != null) {
                throw failure.get();
            }
        }
        return new Curves(precision, recall, numGt);
    }

    /** Rough cost of a category: its detections and ground truths. */
    private static int work(GtGroups gt, DtGroups dt, int k) {
        return (dt.catStart()[k + 1] - dt.catStart()[k]) + (gt.catStart()[k + 1] - gt.catStart()[k]);
    }

    private record Shape(int k0, int t0, int r0, int a0, int m0, double[] iouThr, double[] recThr, double[] areaMin,
                         double[] areaMax, int[] maxDets, boolean crowdRules) {
    }

    /** One thread's scratch buffers; every category writes disjoint slots of the output arrays. */
    private static final class Worker {
        private final Shape s;
        private final GtGroups gt;
        private final DtGroups dt;
        private final double[] precision;
        private final double[] recall;
        private final int[] numGt;

        private double[] iou = new double[64];
        private int[] perm = new int[16];
        private boolean[] gtMatched = new boolean[16];
        private boolean[] crowdPos = new boolean[16];
        private byte[] flags = new byte[256];
        private int[] order = new int[64];
        private int[] tmp = new int[64];
        private int[] slot = new int[64];
        private int[] sortedRank = new int[64];
        private double[] best = new double[64];

        Worker(Shape s, GtGroups gt, DtGroups dt, double[] precision, double[] recall, int[] numGt) {
            this.s = s;
            this.gt = gt;
            this.dt = dt;
            this.precision = precision;
            this.recall = recall;
            this.numGt = numGt;
        }

        void category(int k) {
            int g0 = gt.catStart()[k];
            int g1 = gt.catStart()[k + 1];
            int d0 = dt.catStart()[k];
            int d1 = dt.catStart()[k + 1];
            int nd = d1 - d0;
            int at = s.a0 * s.t0;
            if (flags.length < at * nd) {
                flags = new byte[Math.max(at * nd, flags.length * 2)];
            }
            sortCategory(d0, nd);
            int[] npig = new int[s.a0];
            int[] gImg = gt.image();
            int[] dImg = dt.image();
            int gp = g0;
            int dp = d0;
            while (gp < g1 || dp < d1) {
                int img = gp < g1 ? gImg[gp] : Integer.MAX_VALUE;
                if (dp < d1 && dImg[dp] < img) {
                    img = dImg[dp];
                }
                int ge = gp;
                while (ge < g1 && gImg[ge] == img) {
                    ge++;
                }
                int de = dp;
                while (de < d1 && dImg[de] == img) {
                    de++;
                }
                cell(gp, ge, dp, de, d0, nd, npig);
                gp = ge;
                dp = de;
            }
            for (int a = 0; a < s.a0; a++) {
                numGt[k * s.a0 + a] = npig[a];
            }
            accumulate(k, nd, npig);
        }

        /**
         * Orders the category's detections as pycocotools' accumulate does: detections are stored in
         * (image, rank) order, and a stable sort by score gives its order for every maxDets (each
         * smaller maxDets keeps a subsequence). {@code slot[d - d0]} = position of detection d in
         * that order, so that matching writes its flags where accumulation reads them sequentially.
         */
        private void sortCategory(int d0, int nd) {
            if (order.length < nd) {
                int n = Math.max(nd, order.length * 2);
                order = new int[n];
                tmp = new int[n];
                slot = new int[n];
                sortedRank = new int[n];
            }
            for (int j = 0; j < nd; j++) {
                order[j] = d0 + j;
            }
            StableScoreSort.sortDescending(order, 0, nd, dt.score(), tmp);
            int[] rank = dt.rank();
            for (int j = 0; j < nd; j++) {
                slot[order[j] - d0] = j;
                sortedRank[j] = rank[order[j]];
            }
        }

        /** pycocotools {@code evaluateImg} for one (image, category), all area ranges and thresholds. */
        private void cell(int gp, int ge, int dp, int de, int d0, int nd, int[] npig) {
            int g = ge - gp;
            int d = de - dp;
            double[] gBox = gt.box();
            double[] dBox = dt.box();
            boolean[] crowd = gt.crowd();
            if (g > 0 && d > 0) {
                if (iou.length < g * d) {
                    iou = new double[Math.max(g * d, iou.length * 2)];
                }
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < g; j++) {
                        iou[i * g + j] = BoxIou.iou(dBox, 4 * (dp + i), gBox, 4 * (gp + j), s.crowdRules && crowd[gp + j]);
                    }
                }
            }
            if (perm.length < g) {
                perm = new int[Math.max(g, perm.length * 2)];
                gtMatched = new boolean[perm.length];
                crowdPos = new boolean[perm.length];
            }
            double[] gArea = gt.area();
            boolean[] gIgnore = gt.ignore();
            double[] dArea = dt.area();
            boolean[] dIgnoreUnmatched = dt.ignoreIfUnmatched();
            if (g == 0) {
                // no ground truth here (the common case for most categories of an image): nothing
                // can match, a detection is ignored iff outside the area range (or not exhaustive)
                for (int a = 0; a < s.a0; a++) {
                    for (int i = 0; i < d; i++) {
                        double ar = dArea[dp + i];
                        byte f = (ar < s.areaMin[a] || ar > s.areaMax[a] || dIgnoreUnmatched[dp + i]) ? IGNORED : 0;
                        int j = slot[dp - d0 + i];
                        for (int t = 0; t < s.t0; t++) {
                            flags[(a * s.t0 + t) * nd + j] = f;
                        }
                    }
                }
                return;
            }
            for (int a = 0; a < s.a0; a++) {
                double lo = s.areaMin[a];
                double hi = s.areaMax[a];
                // gt sorted "ignore last" with a stable sort: a stable partition
                int nonIgnored = 0;
                for (int j = 0; j < g; j++) {
                    double ar = gArea[gp + j];
                    if (!(gIgnore[gp + j] || ar < lo || ar > hi)) {
                        perm[nonIgnored++] = j;
                    }
                }
                int pos = nonIgnored;
                for (int j = 0; j < g; j++) {
                    double ar = gArea[gp + j];
                    if (gIgnore[gp + j] || ar < lo || ar > hi) {
                        perm[pos++] = j;
                    }
                }
                for (int q = 0; q < g; q++) {
                    crowdPos[q] = s.crowdRules && crowd[gp + perm[q]];
                }
                npig[a] += nonIgnored;
                for (int t = 0; t < s.t0; t++) {
                    int base = (a * s.t0 + t) * nd;
                    Arrays.fill(gtMatched, 0, g, false);
                    double start = Math.min(s.iouThr[t], MAX_IOU_START);
                    for (int i = 0; i < d; i++) {
                        int m = -1;
                        if (g > 0) {
                            double best = start;
                            int row = i * g;
                            for (int q = 0; q < g; q++) {
                                // already matched and not a crowd: skip
                                if (gtMatched[q] && !crowdPos[q]) {
                                    continue;
                                }
                                // matched to a regular gt and reached the ignored ones: stop
                                if (m > -1 && m < nonIgnored && q >= nonIgnored) {
                                    break;
                                }
                                double v = iou[row + perm[q]];
                                if (v < best) {
                                    continue;
                                }
                                best = v;
                                m = q;
                            }
                        }
                        byte f;
                        if (m == -1) {
                            double ar = dArea[dp + i];
                            // unmatched detections outside the area range (or, LVIS, of a not-exhaustive category) are ignored
                            f = (ar < lo || ar > hi || dIgnoreUnmatched[dp + i]) ? IGNORED : 0;
                        } else {
                            gtMatched[m] = true;
                            f = m >= nonIgnored ? (byte) (MATCHED | IGNORED) : MATCHED;
                        }
                        flags[base + slot[dp - d0 + i]] = f;
                    }
                }
            }
        }

        /**
         * pycocotools {@code accumulate} for one category, all area ranges, maxDets and thresholds,
         * in one pass over the score-sorted detections per (area, threshold).
         *
         * <p>pycocotools builds the whole precision/recall curve (rc = tp/npig, pr = tp/(fp+tp+eps)
         * at every detection), takes the running maximum of pr from the right (the envelope) and
         * reads it at the first index whose rc reaches each recall point. Precision only rises at a
         * true positive, so the envelope at the c-th true positive is the maximum of the precisions
         * at true positives c, c+1, ..., and the first index with rc >= x is the c-th true positive
         * for the smallest c with c/npig >= x (index 0 when c = 0). Computing just those values,
         * with the same floating-point expressions, gives bit-identical numbers without per-detection
         * divisions and stores.
         */
        private void accumulate(int k, int nd, int[] npig) {
            int m0 = s.m0;
            int r0 = s.r0;
            int[] maxDets = s.maxDets;
            int[] tp = new int[m0];
            int[] fp = new int[m0];
            int[] n = new int[m0];
            int stride = s.k0 * s.a0 * m0;
            for (int a = 0; a < s.a0; a++) {
                if (npig[a] == 0) {
                    continue; // no ground truth: precision and recall stay -1
                }
                double numGtA = npig[a];
                int cap = npig[a] + 1; // at most npig true positives
                if (best.length < m0 * cap) {
                    best = new double[Math.max(m0 * cap, best.length * 2)];
                }
                for (int t = 0; t < s.t0; t++) {
                    int base = (a * s.t0 + t) * nd;
                    java.util.Arrays.fill(tp, 0);
                    java.util.Arrays.fill(fp, 0);
                    java.util.Arrays.fill(n, 0);
                    for (int j = 0; j < nd; j++) {
                        int rk = sortedRank[j];
                        byte f = flags[base + j];
                        // the maxDets settings that keep this detection: maxDets[m] > rank
                        for (int m = m0 - 1; m >= 0 && maxDets[m] > rk; m--) {
                            n[m]++;
                            if ((f & IGNORED) == 0) {
                                if ((f & MATCHED) != 0) {
                                    int c = ++tp[m];
                                    double tpD = c;
                                    best[m * cap + c] = tpD / (fp[m] + tpD + SPACING_1);
                                } else {
                                    fp[m]++;
                                }
                            }
                        }
                    }
                    for (int m = 0; m < m0; m++) {
                        int off = m * cap;
                        int tpTotal = tp[m];
                        recall[((t * s.k0 + k) * s.a0 + a) * m0 + m] = n[m] > 0 ? tpTotal / numGtA : 0;
                        // envelope at the c-th true positive = max precision at true positives >= c
                        for (int c = tpTotal - 1; c >= 1; c--) {
                            if (best[off + c + 1] > best[off + c]) {
                                best[off + c] = best[off + c + 1];
                            }
                        }
                        int pBase = (t * r0 * s.k0 + k) * s.a0 * m0 + a * m0 + m;
                        int c = 0;
                        for (int r = 0; r < r0; r++) {
                            double thr = s.recThr[r];
                            while (c <= tpTotal && c / numGtA < thr) {
                                c++;
                            }
                            double q;
                            if (n[m] == 0 || c > tpTotal) {
                                q = 0; // recall point beyond the curve
                            } else if (c == 0) {
                                q = tpTotal > 0 ? best[off + 1] : 0; // index 0: max over the whole curve
                            } else {
                                q = best[off + c];
                            }
                            precision[pBase + r * stride] = q;
                        }
                    }
                }
            }
        }
    }
}
