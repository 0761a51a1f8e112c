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
 * Generated evaluation workloads: COCO-like (80 long-tailed categories, ~7 boxes and 100 detections per image, 1 % crowd)
 * and LVIS-like (1203 categories, negative and not-exhaustive category sets, 300+ detections per image). Used by the
 * evaluator's cross-check against {@link NaiveCocoEval} and by the benchmarks module's {@code EvalBenchmark}.
 */
public final class SyntheticWorkloads {

    /** COCO-style workload. */
    public static final int CATEGORIES = 80;
    public static final int MEAN_GT_PER_IMAGE = 7;
    public static final int DETS_PER_IMAGE = 100;
    /** LVIS v1 has 1203 categories and allows 300 detections per image. */
    public static final int LVIS_CATEGORIES = 1203;
    public static final int LVIS_DETS_PER_IMAGE = 300;
    public static final int IMAGE_W = 640;
    public static final int IMAGE_H = 480;

    /** Ground truth and detections of one workload. */
    public record Workload(CocoDataset gt, List<DetectionResult> dets) {
    }

    private SyntheticWorkloads() {
    }

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

    public static Workload cocoWorkload(int images, long seed) {
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

    public static Workload lvisWorkload(int images, long seed) {
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
}
