package io.github.retina4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

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
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                ThreadLocal<Worker> workers = ThreadLocal.withInitial(() -> new Worker(s, gt, dt, precision, recall, numGt));
                pool.submit(() -> IntStream.range(0, numCategories).parallel().forEach(k -> workers.get().category(k))).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("evaluation interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(c);
            } finally {
                pool.shutdown();
            }
        }
        return new Curves(precision, recall, numGt);
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
        private double[] rc = new double[64];
        private double[] pr = new double[64];

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
            accumulate(k, d0, nd, npig);
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
                    int base = (a * s.t0 + t) * nd + (dp - d0);
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
                        flags[base + i] = f;
                    }
                }
            }
        }

        /** pycocotools {@code accumulate} for one category. */
        private void accumulate(int k, int d0, int nd, int[] npig) {
            if (order.length < nd) {
                order = new int[Math.max(nd, order.length * 2)];
                tmp = new int[order.length];
                rc = new double[order.length];
                pr = new double[order.length];
            }
            // Detections are in (image, rank) order; a stable sort by score gives pycocotools'
            // order for every maxDets (each smaller maxDets keeps a subsequence of it).
            for (int j = 0; j < nd; j++) {
                order[j] = d0 + j;
            }
            StableScoreSort.sortDescending(order, 0, nd, dt.score(), tmp);
            int[] rank = dt.rank();
            int r0 = s.r0;
            for (int a = 0; a < s.a0; a++) {
                if (npig[a] == 0) {
                    continue; // no ground truth: precision and recall stay -1
                }
                double numGtA = npig[a];
                for (int m = 0; m < s.m0; m++) {
                    int maxDet = s.maxDets[m];
                    for (int t = 0; t < s.t0; t++) {
                        int base = (a * s.t0 + t) * nd - d0;
                        double tp = 0;
                        double fp = 0;
                        int n = 0;
                        for (int j = 0; j < nd; j++) {
                            int di = order[j];
                            if (rank[di] >= maxDet) {
                                continue;
                            }
                            byte f = flags[base + di];
                            if ((f & IGNORED) == 0) {
                                if ((f & MATCHED) != 0) {
                                    tp++;
                                } else {
                                    fp++;
                                }
                            }
                            rc[n] = tp / numGtA;
                            pr[n] = tp / (fp + tp + SPACING_1);
                            n++;
                        }
                        int ri = ((t * s.k0 + k) * s.a0 + a) * s.m0 + m;
                        recall[ri] = n > 0 ? rc[n - 1] : 0;
                        // precision envelope: max precision at any higher recall
                        for (int i = n - 1; i > 0; i--) {
                            if (pr[i] > pr[i - 1]) {
                                pr[i - 1] = pr[i];
                            }
                        }
                        // np.searchsorted(rc, recThrs, side='left'); points beyond the curve get 0
                        int pi = 0;
                        int stride = s.k0 * s.a0 * s.m0;
                        int pBase = (t * r0 * s.k0 + k) * s.a0 * s.m0 + a * s.m0 + m;
                        for (int r = 0; r < r0; r++) {
                            double thr = s.recThr[r];
                            while (pi < n && rc[pi] < thr) {
                                pi++;
                            }
                            precision[pBase + r * stride] = pi < n ? pr[pi] : 0;
                        }
                    }
                }
            }
        }
    }
}
