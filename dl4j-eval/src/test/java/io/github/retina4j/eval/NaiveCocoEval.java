package io.github.retina4j.eval;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A straightforward port of pycocotools' COCOeval (bbox) with Java objects and collections,
 * single-threaded: a test oracle for {@link CocoEvaluator} (independent of its table-based implementation) and the
 * baseline of the benchmarks module's {@code EvalBenchmark}.
 */
public final class NaiveCocoEval {
    private static final double[] IOU = EvalParams.coco().iouThresholds();
    private static final double[] REC = EvalParams.coco().recallThresholds();
    private static final double[][] AREA = {{0, 1e10}, {0, 1024}, {1024, 9216}, {9216, 1e10}};
    private static final int[] MAX_DETS = {1, 10, 100};

    record Gt(long id, double[] box, double area, boolean crowd) {
    }

    record Dt(long id, double[] box, double area, double score) {
    }

    record EvalImg(double[] dtScores, long[][] dtMatches, boolean[][] dtIgnore, boolean[] gtIgnore) {
    }

    public static double[] stats(CocoDataset gt, List<DetectionResult> results) {
        long[] imgIds = gt.images().stream().mapToLong(ImageInfo::id).sorted().toArray();
        long[] catIds = gt.categories().stream().mapToLong(Category::id).sorted().toArray();
        Map<String, List<Gt>> gts = new HashMap<>();
        Map<String, List<Dt>> dts = new HashMap<>();
        for (Annotation a : gt.annotations()) {
            gts.computeIfAbsent(a.imageId() + "/" + a.categoryId(), x -> new ArrayList<>())
                    .add(new Gt(a.id(), new double[] {a.x(), a.y(), a.w(), a.h()}, a.area(), a.iscrowd()));
        }
        long id = 1;
        for (DetectionResult r : results) {
            dts.computeIfAbsent(r.imageId() + "/" + r.categoryId(), x -> new ArrayList<>())
                    .add(new Dt(id++, new double[] {r.x(), r.y(), r.width(), r.height()}, r.area(), r.score()));
        }
        int nI = imgIds.length;
        int nA = AREA.length;
        EvalImg[] evalImgs = new EvalImg[catIds.length * nA * nI];
        for (int k = 0; k < catIds.length; k++) {
            for (int i = 0; i < nI; i++) {
                String key = imgIds[i] + "/" + catIds[k];
                List<Gt> g = gts.getOrDefault(key, List.of());
                List<Dt> d = new ArrayList<>(dts.getOrDefault(key, List.of()));
                if (g.isEmpty() && d.isEmpty()) {
                    continue;
                }
                d.sort(Comparator.comparingDouble((Dt x) -> -x.score())); // List.sort is a stable merge sort
                if (d.size() > 100) {
                    d = d.subList(0, 100);
                }
                double[][] ious = new double[d.size()][g.size()];
                for (int a = 0; a < d.size(); a++) {
                    for (int b = 0; b < g.size(); b++) {
                        ious[a][b] = iou(d.get(a).box(), g.get(b).box(), g.get(b).crowd());
                    }
                }
                for (int a = 0; a < nA; a++) {
                    evalImgs[(k * nA + a) * nI + i] = evaluateImg(g, d, ious, AREA[a]);
                }
            }
        }
        int nT = IOU.length;
        int nR = REC.length;
        int nK = catIds.length;
        int nM = MAX_DETS.length;
        double[][][][][] precision = new double[nT][nR][nK][nA][nM];
        double[][][][] recall = new double[nT][nK][nA][nM];
        for (double[][][][] x : precision) {
            for (double[][][] y : x) {
                for (double[][] z : y) {
                    for (double[] w : z) {
                        Arrays.fill(w, -1);
                    }
                }
            }
        }
        for (double[][][] x : recall) {
            for (double[][] y : x) {
                for (double[] z : y) {
                    Arrays.fill(z, -1);
                }
            }
        }
        for (int k = 0; k < nK; k++) {
            for (int a = 0; a < nA; a++) {
                for (int m = 0; m < nM; m++) {
                    int maxDet = MAX_DETS[m];
                    List<EvalImg> e = new ArrayList<>();
                    for (int i = 0; i < nI; i++) {
                        if (evalImgs[(k * nA + a) * nI + i] != null) {
                            e.add(evalImgs[(k * nA + a) * nI + i]);
                        }
                    }
                    if (e.isEmpty()) {
                        continue;
                    }
                    List<Double> scores = new ArrayList<>();
                    List<long[]> matches = new ArrayList<>();
                    List<boolean[]> ignores = new ArrayList<>();
                    int npig = 0;
                    for (EvalImg ei : e) {
                        int n = Math.min(maxDet, ei.dtScores().length);
                        for (int j = 0; j < n; j++) {
                            scores.add(ei.dtScores()[j]);
                            long[] mt = new long[nT];
                            boolean[] ig = new boolean[nT];
                            for (int t = 0; t < nT; t++) {
                                mt[t] = ei.dtMatches()[t][j];
                                ig[t] = ei.dtIgnore()[t][j];
                            }
                            matches.add(mt);
                            ignores.add(ig);
                        }
                        for (boolean b : ei.gtIgnore()) {
                            npig += b ? 0 : 1;
                        }
                    }
                    if (npig == 0) {
                        continue;
                    }
                    Integer[] order = new Integer[scores.size()];
                    for (int j = 0; j < order.length; j++) {
                        order[j] = j;
                    }
                    Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -scores.get(j)));
                    for (int t = 0; t < nT; t++) {
                        int nd = order.length;
                        double[] rc = new double[nd];
                        double[] pr = new double[nd];
                        double tp = 0;
                        double fp = 0;
                        for (int j = 0; j < nd; j++) {
                            int o = order[j];
                            boolean ig = ignores.get(o)[t];
                            boolean mt = matches.get(o)[t] != 0;
                            tp += (mt && !ig) ? 1 : 0;
                            fp += (!mt && !ig) ? 1 : 0;
                            rc[j] = tp / npig;
                            pr[j] = tp / (fp + tp + Math.ulp(1.0));
                        }
                        recall[t][k][a][m] = nd > 0 ? rc[nd - 1] : 0;
                        for (int j = nd - 1; j > 0; j--) {
                            if (pr[j] > pr[j - 1]) {
                                pr[j - 1] = pr[j];
                            }
                        }
                        for (int r = 0; r < nR; r++) {
                            int lo = 0;
                            int hi = nd;
                            while (lo < hi) { // searchsorted side='left'
                                int mid = (lo + hi) >>> 1;
                                if (rc[mid] < REC[r]) {
                                    lo = mid + 1;
                                } else {
                                    hi = mid;
                                }
                            }
                            precision[t][r][k][a][m] = lo < nd ? pr[lo] : 0;
                        }
                    }
                }
            }
        }
        double[] s = new double[12];
        s[0] = meanP(precision, -1, 0, 2);
        s[1] = meanP(precision, 0, 0, 2);
        s[2] = meanP(precision, 5, 0, 2);
        s[3] = meanP(precision, -1, 1, 2);
        s[4] = meanP(precision, -1, 2, 2);
        s[5] = meanP(precision, -1, 3, 2);
        s[6] = meanR(recall, 0, 0);
        s[7] = meanR(recall, 0, 1);
        s[8] = meanR(recall, 0, 2);
        s[9] = meanR(recall, 1, 2);
        s[10] = meanR(recall, 2, 2);
        s[11] = meanR(recall, 3, 2);
        return s;
    }

    private static EvalImg evaluateImg(List<Gt> g0, List<Dt> d, double[][] ious0, double[] rng) {
        List<Integer> gOrder = new ArrayList<>();
        for (int j = 0; j < g0.size(); j++) {
            gOrder.add(j);
        }
        boolean[] ig0 = new boolean[g0.size()];
        for (int j = 0; j < g0.size(); j++) {
            Gt g = g0.get(j);
            ig0[j] = g.crowd() || g.area() < rng[0] || g.area() > rng[1];
        }
        gOrder.sort(Comparator.comparingInt(j -> ig0[j] ? 1 : 0));
        int nT = IOU.length;
        int nG = g0.size();
        int nD = d.size();
        long[][] gtm = new long[nT][nG];
        long[][] dtm = new long[nT][nD];
        boolean[][] dtIg = new boolean[nT][nD];
        boolean[] gtIg = new boolean[nG];
        for (int q = 0; q < nG; q++) {
            gtIg[q] = ig0[gOrder.get(q)];
        }
        for (int t = 0; t < nT && nG > 0; t++) {
            for (int di = 0; di < nD; di++) {
                double iou = Math.min(IOU[t], 1 - 1e-10);
                int m = -1;
                for (int q = 0; q < nG; q++) {
                    Gt g = g0.get(gOrder.get(q));
                    if (gtm[t][q] > 0 && !g.crowd()) {
                        continue;
                    }
                    if (m > -1 && !gtIg[m] && gtIg[q]) {
                        break;
                    }
                    if (ious0[di][gOrder.get(q)] < iou) {
                        continue;
                    }
                    iou = ious0[di][gOrder.get(q)];
                    m = q;
                }
                if (m == -1) {
                    continue;
                }
                dtIg[t][di] = gtIg[m];
                dtm[t][di] = g0.get(gOrder.get(m)).id();
                gtm[t][m] = d.get(di).id();
            }
        }
        double[] scores = new double[nD];
        for (int di = 0; di < nD; di++) {
            Dt x = d.get(di);
            scores[di] = x.score();
            boolean out = x.area() < rng[0] || x.area() > rng[1];
            for (int t = 0; t < nT; t++) {
                dtIg[t][di] = dtIg[t][di] || (dtm[t][di] == 0 && out);
            }
        }
        return new EvalImg(scores, dtm, dtIg, gtIg);
    }

    private static double iou(double[] d, double[] g, boolean crowd) {
        double w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
        double h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double i = w * h;
        double u = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - i;
        return i / u;
    }

    private static double meanP(double[][][][][] p, int t, int a, int m) {
        double s = 0;
        int n = 0;
        for (int ti = 0; ti < p.length; ti++) {
            if (t >= 0 && ti != t) {
                continue;
            }
            for (double[][][] r : p[ti]) {
                for (double[][] k : r) {
                    double v = k[a][m];
                    if (v > -1) {
                        s += v;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? -1 : s / n;
    }

    private static double meanR(double[][][][] rec, int a, int m) {
        double s = 0;
        int n = 0;
        for (double[][][] t : rec) {
            for (double[][] k : t) {
                double v = k[a][m];
                if (v > -1) {
                    s += v;
                    n++;
                }
            }
        }
        return n == 0 ? -1 : s / n;
    }
}
