package io.github.retina4j.examples.bench;

import io.github.retina4j.data.annotations.Annotation;
import io.github.retina4j.data.annotations.Category;
import io.github.retina4j.data.annotations.CocoDataset;
import io.github.retina4j.data.annotations.CocoJsonReader;
import io.github.retina4j.data.annotations.CocoJsonWriter;
import io.github.retina4j.data.annotations.Frequency;
import io.github.retina4j.data.annotations.ImageInfo;
import io.github.retina4j.eval.CocoEvalResult;
import io.github.retina4j.eval.CocoEvaluator;
import io.github.retina4j.eval.DetectionResult;
import io.github.retina4j.eval.EvalParams;
import io.github.retina4j.eval.LvisEvalResult;
import io.github.retina4j.eval.LvisEvaluator;
import io.github.retina4j.eval.ResultsJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Wall time of a full COCO evaluation (DESIGN §8: 5 000 images × 100 detections under 10 s on 2 cores)
 * and of an LVIS-style evaluation on generated data, against baselines measured in the same run:
 * <ul>
 *   <li>COCO: a straightforward object-based port of pycocotools' COCOeval (per-(image, category)
 *       lists of objects, boxed stable sorts, per-(category, area, maxDets) concatenation — the
 *       shape of the Python code), single-threaded; and our evaluator on 1 thread.</li>
 *   <li>LVIS: our evaluator on 1 thread.</li>
 * </ul>
 * The naive port is also an independent cross-check: the largest difference of the 12 numbers is
 * printed. {@code --write DIR} also writes the generated gt/results JSON there (gt.json, dets.json,
 * lvis_gt.json, lvis_dets.json), so that pycocotools / lvis-api can be run on the same files
 * (outside this project; no test or CI step uses Python).
 * <pre>
 *   EvalBenchmark [--images 5000] [--repeats 3] [--write DIR]
 * </pre>
 */
public final class EvalBenchmark {

    /** COCO-style workload of DESIGN §8. */
    static final int CATEGORIES = 80;
    static final int MEAN_GT_PER_IMAGE = 7;
    static final int DETS_PER_IMAGE = 100;
    /** LVIS v1 has 1203 categories and allows 300 detections per image. */
    static final int LVIS_CATEGORIES = 1203;
    static final int LVIS_DETS_PER_IMAGE = 300;
    static final int IMAGE_W = 640;
    static final int IMAGE_H = 480;

    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int images = 5000;
        int repeats = 3;
        Path write = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--images" -> images = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--write" -> write = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "EvalBenchmark: %d images, %d cores available%n", images, cores);

        Workload coco = cocoWorkload(images, 42);
        System.out.printf(Locale.ROOT, "COCO workload: %d categories, %d annotations, %d detections%n",
                coco.gt.categories().size(), coco.gt.annotations().size(), coco.dets.size());
        if (write != null) {
            Files.createDirectories(write);
            long t0 = System.nanoTime();
            CocoJsonWriter.write(coco.gt, write.resolve("gt.json"));
            ResultsJson.write(write.resolve("dets.json"), coco.dets);
            System.out.printf(Locale.ROOT, "wrote %s/gt.json and dets.json in %.2f s%n", write, secs(t0));
            t0 = System.nanoTime();
            CocoDataset reread = CocoJsonReader.builder().keepSegmentation(false).build().read(write.resolve("gt.json"));
            List<DetectionResult> dets = ResultsJson.read(write.resolve("dets.json"));
            System.out.printf(Locale.ROOT, "read back gt (%d annotations) + results (%d) in %.2f s%n",
                    reread.annotations().size(), dets.size(), secs(t0));
        }

        CocoEvaluator fast = new CocoEvaluator(EvalParams.coco(), cores);
        CocoEvaluator single = new CocoEvaluator(EvalParams.coco(), 1);
        CocoEvalResult r = fast.evaluate(coco.gt, coco.dets); // warm-up
        single.evaluate(coco.gt, coco.dets);
        double[] naiveStats = NaiveCocoEval.stats(coco.gt, coco.dets);
        double maxDiff = 0;
        for (int i = 0; i < 12; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(naiveStats[i] - r.stats()[i]));
        }
        System.out.print(r.summaryText());
        System.out.printf(Locale.ROOT, "cross-check vs naive port: max |diff| over the 12 numbers = %.3g%n", maxDiff);

        double tFast = best(repeats, "COCO fast, " + cores + " threads", () -> fast.evaluate(coco.gt, coco.dets));
        double tSingle = best(repeats, "COCO fast, 1 thread", () -> single.evaluate(coco.gt, coco.dets));
        double tNaive = best(repeats, "COCO naive port, 1 thread", () -> NaiveCocoEval.stats(coco.gt, coco.dets));
        System.out.printf(Locale.ROOT, "COCO eval  fast (%d threads): %.3f s | fast (1 thread): %.3f s | naive port (1 thread): %.3f s%n",
                cores, tFast, tSingle, tNaive);
        System.out.printf(Locale.ROOT, "COCO ratios: naive / fast = %.1fx, 1-thread / %d-thread = %.2fx%n", tNaive / tFast,
                cores, tSingle / tFast);

        Workload lvis = lvisWorkload(images, 7);
        System.out.printf(Locale.ROOT, "LVIS workload: %d categories, %d annotations, %d detections%n",
                lvis.gt.categories().size(), lvis.gt.annotations().size(), lvis.dets.size());
        if (write != null) {
            CocoJsonWriter.write(lvis.gt, write.resolve("lvis_gt.json"));
            ResultsJson.write(write.resolve("lvis_dets.json"), lvis.dets);
            System.out.printf(Locale.ROOT, "wrote %s/lvis_gt.json and lvis_dets.json%n", write);
        }
        LvisEvaluator lFast = new LvisEvaluator(EvalParams.lvis(), cores);
        LvisEvaluator lSingle = new LvisEvaluator(EvalParams.lvis(), 1);
        LvisEvalResult lr = lFast.evaluate(lvis.gt, lvis.dets);
        System.out.print(lr.summaryText());
        System.out.println("counts: " + lr.counts());
        double tlFast = best(repeats, "LVIS fast, " + cores + " threads", () -> lFast.evaluate(lvis.gt, lvis.dets));
        double tlSingle = best(repeats, "LVIS fast, 1 thread", () -> lSingle.evaluate(lvis.gt, lvis.dets));
        System.out.printf(Locale.ROOT, "LVIS eval  fast (%d threads): %.3f s | fast (1 thread): %.3f s | ratio %.2fx%n",
                cores, tlFast, tlSingle, tlSingle / tlFast);
    }

    record Workload(CocoDataset gt, List<DetectionResult> dets) {
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /**
     * Best wall time of {@code repeats} runs; also prints the process CPU time of that run, because
     * on a shared, oversubscribed machine wall time mostly measures the other tenants.
     */
    private static double best(int repeats, String label, Supplier<?> run) {
        double best = Double.MAX_VALUE;
        double cpu = 0;
        for (int i = 0; i < repeats; i++) {
            long c0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            run.get();
            double w = secs(t0);
            if (w < best) {
                best = w;
                cpu = (OS.getProcessCpuTime() - c0) / 1e9;
            }
        }
        System.out.printf(Locale.ROOT, "  %-34s best wall %.3f s (process CPU %.3f s), load average %.1f%n", label, best, cpu,
                OS.getSystemLoadAverage());
        return best;
    }

    // ---------------------------------------------------------------- data

    private static double[] randomBox(Random rnd) {
        double w = Math.exp(Math.log(8) + rnd.nextDouble() * Math.log(300.0 / 8));
        double h = Math.exp(Math.log(8) + rnd.nextDouble() * Math.log(300.0 / 8));
        w = Math.min(w, IMAGE_W - 1);
        h = Math.min(h, IMAGE_H - 1);
        return new double[] {rnd.nextDouble() * (IMAGE_W - w), rnd.nextDouble() * (IMAGE_H - h), w, h};
    }

    private static double[] jitter(Random rnd, double[] b, double amount) {
        return new double[] {b[0] + (rnd.nextDouble() - 0.5) * amount * b[2], b[1] + (rnd.nextDouble() - 0.5) * amount * b[3],
            b[2] * (1 + (rnd.nextDouble() - 0.5) * amount), b[3] * (1 + (rnd.nextDouble() - 0.5) * amount)};
    }

    /** Long-tailed category draw (Zipf-like, exponent 1). */
    private static int tailDraw(Random rnd, double[] cdf) {
        int i = Arrays.binarySearch(cdf, rnd.nextDouble() * cdf[cdf.length - 1]);
        return i >= 0 ? i : Math.min(-i - 1, cdf.length - 1);
    }

    private static double[] zipfCdf(int n) {
        double[] cdf = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += 1.0 / (i + 1);
            cdf[i] = s;
        }
        return cdf;
    }

    static Workload cocoWorkload(int images, long seed) {
        Random rnd = new Random(seed);
        List<ImageInfo> imgs = new ArrayList<>();
        List<Annotation> anns = new ArrayList<>();
        List<Category> cats = new ArrayList<>();
        for (int k = 1; k <= CATEGORIES; k++) {
            cats.add(Category.coco(k, "class" + k, "thing"));
        }
        double[] cdf = zipfCdf(CATEGORIES);
        List<DetectionResult> dets = new ArrayList<>(images * DETS_PER_IMAGE);
        long annId = 1;
        for (int i = 1; i <= images; i++) {
            imgs.add(ImageInfo.coco(i, i + ".jpg", IMAGE_W, IMAGE_H));
            int n = 1 + rnd.nextInt(2 * MEAN_GT_PER_IMAGE - 1);
            int made = 0;
            for (int g = 0; g < n; g++) {
                int cat = 1 + tailDraw(rnd, cdf);
                double[] b = randomBox(rnd);
                boolean crowd = rnd.nextDouble() < 0.01;
                // segmentation-like area (0.55–0.95 of the box), as real COCO annotations
                anns.add(new Annotation(annId++, i, cat, b[0], b[1], b[2], b[3], b[2] * b[3] * (0.55 + 0.4 * rnd.nextDouble()),
                        crowd, null));
                int copies = 1 + (rnd.nextDouble() < 0.3 ? 1 : 0);
                for (int c = 0; c < copies && made < DETS_PER_IMAGE; c++, made++) {
                    double[] d = jitter(rnd, b, 0.4);
                    int dc = rnd.nextDouble() < 0.15 ? 1 + rnd.nextInt(CATEGORIES) : cat;
                    dets.add(new DetectionResult(i, dc, d[0], d[1], d[2], d[3], 0.3 + 0.7 * rnd.nextDouble()));
                }
            }
            for (; made < DETS_PER_IMAGE; made++) {
                double[] d = randomBox(rnd);
                dets.add(new DetectionResult(i, 1 + tailDraw(rnd, cdf), d[0], d[1], d[2], d[3], 0.4 * rnd.nextDouble()));
            }
        }
        return new Workload(new CocoDataset(imgs, anns, cats), dets);
    }

    static Workload lvisWorkload(int images, long seed) {
        Random rnd = new Random(seed);
        double[] cdf = zipfCdf(LVIS_CATEGORIES);
        List<Annotation> anns = new ArrayList<>();
        List<DetectionResult> dets = new ArrayList<>(images * LVIS_DETS_PER_IMAGE);
        List<ImageInfo> imgs = new ArrayList<>();
        int[] imageCount = new int[LVIS_CATEGORIES];
        long annId = 1;
        for (int i = 1; i <= images; i++) {
            int n = 1 + rnd.nextInt(2 * MEAN_GT_PER_IMAGE - 1);
            Set<Integer> pos = new HashSet<>();
            List<double[]> boxes = new ArrayList<>();
            List<Integer> boxCats = new ArrayList<>();
            for (int g = 0; g < n; g++) {
                int cat = 1 + tailDraw(rnd, cdf);
                double[] b = randomBox(rnd);
                anns.add(new Annotation(annId++, i, cat, b[0], b[1], b[2], b[3], b[2] * b[3] * (0.55 + 0.4 * rnd.nextDouble()),
                        false, null));
                pos.add(cat);
                boxes.add(b);
                boxCats.add(cat);
            }
            for (int c : pos) {
                imageCount[c - 1]++;
            }
            List<Integer> neg = new ArrayList<>();
            while (neg.size() < 8) {
                int c = 1 + rnd.nextInt(LVIS_CATEGORIES);
                if (!pos.contains(c) && !neg.contains(c)) {
                    neg.add(c);
                }
            }
            List<Integer> notExhaustive = new ArrayList<>();
            for (int c : pos) {
                if (rnd.nextDouble() < 0.3) {
                    notExhaustive.add(c);
                }
            }
            imgs.add(ImageInfo.lvis(i, null, IMAGE_W, IMAGE_H, "http://x/" + i + ".jpg", neg, notExhaustive));
            int total = LVIS_DETS_PER_IMAGE + (i % 10 == 0 ? 40 : 0); // some images exceed the 300 limit
            int made = 0;
            for (int g = 0; g < boxes.size(); g++) {
                for (int c = 0; c < 3 && made < total; c++, made++) {
                    double[] d = jitter(rnd, boxes.get(g), 0.4);
                    dets.add(new DetectionResult(i, boxCats.get(g), d[0], d[1], d[2], d[3], 0.3 + 0.7 * rnd.nextDouble()));
                }
            }
            for (; made < total; made++) {
                double[] d = randomBox(rnd);
                double u = rnd.nextDouble();
                int c = u < 0.5 ? neg.get(rnd.nextInt(neg.size())) : u < 0.7 ? boxCats.get(rnd.nextInt(boxCats.size()))
                        : 1 + tailDraw(rnd, cdf);
                dets.add(new DetectionResult(i, c, d[0], d[1], d[2], d[3], 0.5 * rnd.nextDouble()));
            }
        }
        List<Category> cats = new ArrayList<>();
        for (int k = 1; k <= LVIS_CATEGORIES; k++) {
            int ic = imageCount[k - 1];
            cats.add(new Category(k, "c" + k, null, Frequency.ofImageCount(Math.max(1, ic / 2)), ic, null, null, null, null));
        }
        return new Workload(new CocoDataset(imgs, anns, cats), dets);
    }

    // ---------------------------------------------------------------- baseline

    /**
     * A straightforward port of pycocotools' COCOeval (bbox) with Java objects and collections,
     * single-threaded: the baseline of this benchmark and an independent cross-check.
     */
    static final class NaiveCocoEval {
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

        static double[] stats(CocoDataset gt, List<DetectionResult> results) {
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
}
