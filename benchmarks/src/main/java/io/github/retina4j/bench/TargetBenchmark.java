package io.github.retina4j.bench;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.anchors.AnchorLayout;
import io.github.retina4j.data.boxes.BatchedNms;
import io.github.retina4j.data.boxes.NmsConfig;
import io.github.retina4j.data.targets.DenseTargets;
import io.github.retina4j.data.targets.GroundTruth;
import io.github.retina4j.data.targets.MaxIoUAssigner;
import io.github.retina4j.data.targets.TargetBuffers;
import io.github.retina4j.data.targets.TargetEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Benchmark of target computation (IoU + max-IoU assignment + dense target encoding) and of class-aware NMS (DESIGN §8),
 * each against a straightforward per-element Java loop implementation measured in the same run.
 *
 * <p>Targets: padded input 640×1024 → 122 760 anchors (RetinaNet P3–P7, 9 per location), 100 gt boxes per image, batch
 * 2, C = 80. The baseline materialises the {@code [G, A]} IoU matrix element by element and then follows torchvision's
 * Matcher literally (column max/argmax, row max, low-quality scan of the whole matrix) and writes every element of the
 * dense {@code [N, C, A]} / {@code [N, 4, A]} arrays. NMS: 10 000 random boxes (80 classes, and one class); the baseline
 * is the textbook greedy loop (sort, then for each kept box test every later box of the same class).
 *
 * <p>Run: {@code java -cp <examples classpath> io.github.retina4j.bench.TargetBenchmark [repeats]}. Prints
 * medians in ms (wall clock, and CPU time of the calling thread, which is less affected by other processes on a shared
 * machine but does not count ND4J's native worker threads) and the speed-up ratio baseline / optimised; both
 * implementations' outputs are checked to be equal first.
 */
public final class TargetBenchmark {

    private static final int HEIGHT = 640;
    private static final int WIDTH = 1024;
    private static final int NUM_GT = 100;
    private static final int BATCH = 2;
    private static final int NUM_CLASSES = 80;
    private static final int NMS_BOXES = 10_000;
    private static final double POS = 0.5;
    private static final double NEG = 0.4;

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private TargetBenchmark() {
    }

    /** Wall-clock and calling-thread CPU time of repeated runs (CPU time is less sensitive to a shared machine). */
    private static final class Times {
        final double[] wall;
        final double[] cpu;

        Times(int n) {
            wall = new double[n];
            cpu = new double[n];
        }

        void time(int r, Runnable task) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            task.run();
            long t1 = System.nanoTime();
            long c1 = THREADS.getCurrentThreadCpuTime();
            if (r >= 0) {
                wall[r] = (t1 - t0) / 1e6;
                cpu[r] = (c1 - c0) / 1e6;
            }
        }
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Nd4j.create(1); // backend initialisation outside the timings
        AnchorGenerator generator = new AnchorGenerator(AnchorConfig.torchvisionRetinaNet());
        TargetEncoder encoder = TargetEncoder.retinaNet(generator, NUM_CLASSES);
        Random rng = new Random(2024);
        List<GroundTruth> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(randomGt(rng));
        }
        int numAnchors = generator.numAnchors(HEIGHT, WIDTH);
        System.out.printf("Targets: %d anchors x %d gt boxes x batch %d, C = %d (padded %dx%d)%n",
                numAnchors, NUM_GT, BATCH, NUM_CLASSES, HEIGHT, WIDTH);

        // Correctness: both implementations produce the same dense targets.
        DenseTargets fast = encoder.encode(batch, HEIGHT, WIDTH);
        BaselineTargets slow = baselineTargets(generator.anchorCoordinates(HEIGHT, WIDTH), batch);
        check(fast, slow);

        // 1. IoU + assignment for one image (DESIGN §8 target: < 20 ms): grid path, generic fused loop, baseline.
        double[] anchors = generator.anchorCoordinates(HEIGHT, WIDTH);
        AnchorLayout layout = generator.layout(HEIGHT, WIDTH);
        MaxIoUAssigner assigner = encoder.assigner();
        double[] gt0 = batch.get(0).boxes();
        int[] expect = baselineAssign(anchors, gt0);
        if (!Arrays.equals(expect, assigner.assign(layout, anchors, gt0, new double[0]).matchedGtIndices())
                || !Arrays.equals(expect, assigner.assign(anchors, gt0, new double[0]).matchedGtIndices())) {
            throw new IllegalStateException("assignments differ from the baseline");
        }
        Times grid = new Times(repeats), generic = new Times(repeats), base = new Times(repeats);
        for (int r = -3; r < repeats; r++) { // 3 warm-up rounds
            grid.time(r, () -> assigner.assign(layout, anchors, gt0, new double[0]));
            generic.time(r, () -> assigner.assign(anchors, gt0, new double[0]));
            base.time(r, () -> baselineAssign(anchors, gt0));
        }
        report("IoU + assignment, 1 image (grid path)", grid, base, 1);
        report("IoU + assignment, 1 image (generic fused loop)", generic, base, 1);

        // 2. Full dense targets for the batch: assignment + [N, C, A] / [N, 4, A] / masks.
        Times dense = new Times(repeats), denseBase = new Times(repeats);
        for (int r = -3; r < repeats; r++) {
            dense.time(r, () -> encoder.encode(batch, HEIGHT, WIDTH));
            denseBase.time(r, () -> baselineTargets(generator.anchorCoordinates(HEIGHT, WIDTH), batch));
        }
        report("dense targets, batch of " + BATCH + " (incl. [N,C,A] allocation)", dense, denseBase, BATCH);
        // Training path: reused TargetBuffers (sparse clear of the previous batch's positives), alternating two
        // different batches so that every clear has real work.
        List<GroundTruth> other = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            other.add(randomGt(rng));
        }
        TargetBuffers buffers = encoder.newBuffers(BATCH, HEIGHT, WIDTH);
        encoder.encodeInto(other, HEIGHT, WIDTH, buffers);
        check(encoder.encodeInto(batch, HEIGHT, WIDTH, buffers), slow);
        Times reused = new Times(repeats);
        for (int r = -3; r < repeats; r++) {
            List<GroundTruth> b = (r & 1) == 0 ? batch : other;
            reused.time(r, () -> encoder.encodeInto(b, HEIGHT, WIDTH, buffers));
        }
        report("dense targets, batch of " + BATCH + " (reused TargetBuffers)", reused, denseBase, BATCH);
        System.out.printf("  IoU + assignment + target encoding per image (reused buffers): median %.2f ms, target < 20 ms%n",
                BenchStats.median(reused.wall) / BATCH);
        double[] alloc = new double[repeats];
        for (int r = -3; r < repeats; r++) {
            long t0 = System.nanoTime();
            Nd4j.zeros(DataType.FLOAT, BATCH, NUM_CLASSES, numAnchors);
            long t1 = System.nanoTime();
            if (r >= 0) {
                alloc[r] = (t1 - t0) / 1e6;
            }
        }
        System.out.printf("  of which Nd4j.zeros[%d, %d, %d] alone: median %.2f ms, min %.2f ms%n", BATCH, NUM_CLASSES,
                numAnchors, BenchStats.median(alloc), min(alloc));

        for (int classes : new int[] {NUM_CLASSES, 1}) {
            double[] boxes = new double[4 * NMS_BOXES];
            double[] scores = new double[NMS_BOXES];
            int[] cls = new int[NMS_BOXES];
            randomDetections(new Random(7), boxes, scores, cls, classes);
            NmsConfig cfg = NmsConfig.iouOnly(NmsConfig.DEFAULT_IOU_THRESHOLD);
            int[] k1 = BatchedNms.nms(boxes, scores, cls, cfg);
            int[] k2 = baselineNms(boxes, scores, cls, cfg.iouThreshold());
            if (!Arrays.equals(k1, k2)) {
                throw new IllegalStateException("NMS results differ: " + k1.length + " vs " + k2.length);
            }
            INDArray ib = Nd4j.create(boxes, new long[] {NMS_BOXES, 4}, DataType.DOUBLE).castTo(DataType.FLOAT);
            INDArray is = Nd4j.createFromArray(scores).castTo(DataType.FLOAT);
            INDArray ic = Nd4j.createFromArray(cls);
            Times nFast = new Times(repeats), nArr = new Times(repeats), nSlow = new Times(repeats);
            for (int r = -3; r < repeats; r++) {
                nFast.time(r, () -> BatchedNms.nms(boxes, scores, cls, cfg));
                nArr.time(r, () -> BatchedNms.nms(ib, is, ic, cfg));
                nSlow.time(r, () -> baselineNms(boxes, scores, cls, cfg.iouThreshold()));
            }
            String what = "NMS " + NMS_BOXES + " boxes, " + classes + " class" + (classes > 1 ? "es" : "") + ", kept " + k1.length;
            report(what + " (primitive API)", nFast, nSlow, 1);
            report(what + " (INDArray API)", nArr, nSlow, 1);
        }
    }

    private static void report(String what, Times fast, Times slow, int perImageDivisor) {
        double f = BenchStats.median(fast.wall);
        double b = BenchStats.median(slow.wall);
        System.out.printf("%-60s optimised %8.2f ms (%.2f ms/image, cpu %.2f)  baseline %9.2f ms (cpu %.2f)"
                        + "  ratio %.1fx (cpu %.1fx)%n", what, f, f / perImageDivisor, BenchStats.median(fast.cpu), b, BenchStats.median(slow.cpu), b / f,
                BenchStats.median(slow.cpu) / BenchStats.median(fast.cpu));
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static GroundTruth randomGt(Random rng) {
        double[] b = new double[4 * NUM_GT];
        int[] c = new int[NUM_GT];
        for (int g = 0; g < NUM_GT; g++) {
            // Log-uniform sizes 16..400 px, aspect 1:3..3:1, inside the image.
            double size = 16 * Math.exp(rng.nextDouble() * Math.log(400 / 16.0));
            double ar = Math.exp((rng.nextDouble() - 0.5) * Math.log(9));
            double w = Math.min(WIDTH - 1, size / Math.sqrt(ar));
            double h = Math.min(HEIGHT - 1, size * Math.sqrt(ar));
            double x = rng.nextDouble() * (WIDTH - w);
            double y = rng.nextDouble() * (HEIGHT - h);
            b[4 * g] = x;
            b[4 * g + 1] = y;
            b[4 * g + 2] = x + w;
            b[4 * g + 3] = y + h;
            c[g] = rng.nextInt(NUM_CLASSES);
        }
        return GroundTruth.of(b, c, null);
    }

    private static void randomDetections(Random rng, double[] boxes, double[] scores, int[] cls, int classes) {
        // Clustered boxes (jittered copies of 500 objects) so that NMS has real work to do.
        int objects = 500;
        double[][] centres = new double[objects][];
        for (int o = 0; o < objects; o++) {
            centres[o] = new double[] {rng.nextDouble() * 1333, rng.nextDouble() * 800, 20 + rng.nextDouble() * 200, 20 + rng.nextDouble() * 200};
        }
        for (int i = 0; i < scores.length; i++) {
            double[] c = centres[rng.nextInt(objects)];
            double cx = c[0] + rng.nextGaussian() * 0.1 * c[2];
            double cy = c[1] + rng.nextGaussian() * 0.1 * c[3];
            double w = c[2] * Math.exp(rng.nextGaussian() * 0.1);
            double h = c[3] * Math.exp(rng.nextGaussian() * 0.1);
            boxes[4 * i] = cx - w / 2;
            boxes[4 * i + 1] = cy - h / 2;
            boxes[4 * i + 2] = cx + w / 2;
            boxes[4 * i + 3] = cy + h / 2;
            scores[i] = rng.nextDouble();
            cls[i] = rng.nextInt(classes);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Baseline: straightforward per-element loops (torchvision's algorithm written element by element).

    /** Dense targets of the baseline. */
    private record BaselineTargets(float[] cls, float[] box, float[] clsMask, float[] boxMask, INDArray[] arrays) {
    }

    private static double iou(double[] a, int i, double[] b, int j) {
        double areaA = (a[4 * i + 2] - a[4 * i]) * (a[4 * i + 3] - a[4 * i + 1]);
        double areaB = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        double w = Math.max(0, Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]));
        double h = Math.max(0, Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]));
        double inter = w * h;
        double union = areaA + areaB - inter;
        return union > 0 ? inter / union : 0;
    }

    private static BaselineTargets baselineTargets(double[] anchors, List<GroundTruth> batch) {
        int a = anchors.length / 4;
        int n = batch.size();
        float[] cls = new float[n * NUM_CLASSES * a];
        float[] box = new float[n * 4 * a];
        float[] clsMask = new float[n * a];
        float[] boxMask = new float[n * a];
        for (int img = 0; img < n; img++) {
            double[] gt = batch.get(img).boxes();
            int[] gtCls = batch.get(img).classes();
            int[] matches = baselineAssign(anchors, gt);
            for (int j = 0; j < a; j++) {
                int k = matches[j];
                clsMask[img * a + j] = k == -2 ? 0f : 1f;
                boxMask[img * a + j] = k >= 0 ? 1f : 0f;
                for (int c = 0; c < NUM_CLASSES; c++) {
                    cls[(img * NUM_CLASSES + c) * a + j] = (k >= 0 && gtCls[k] == c) ? 1f : 0f;
                }
                for (int d = 0; d < 4; d++) {
                    box[(img * 4 + d) * a + j] = k >= 0 ? (float) delta(gt, k, anchors, j, d) : 0f;
                }
            }
        }
        INDArray[] arrays = {
                Nd4j.create(cls, new long[] {n, NUM_CLASSES, a}, 'c'),
                Nd4j.create(box, new long[] {n, 4, a}, 'c'),
                Nd4j.create(clsMask, new long[] {n, a}, 'c'),
                Nd4j.create(boxMask, new long[] {n, a}, 'c')};
        return new BaselineTargets(cls, box, clsMask, boxMask, arrays);
    }

    /** torchvision Matcher(0.5, 0.4, allow_low_quality_matches=True) on a materialised IoU matrix, element by element. */
    private static int[] baselineAssign(double[] anchors, double[] gt) {
        int a = anchors.length / 4;
        int g = gt.length / 4;
        double[][] m = new double[g][a];
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < a; j++) {
                m[i][j] = iou(gt, i, anchors, j);
            }
        }
        int[] matches = new int[a];
        int[] allMatches = new int[a];
        for (int j = 0; j < a; j++) {
            double best = -1;
            int arg = 0;
            for (int i = 0; i < g; i++) {
                if (m[i][j] > best) {
                    best = m[i][j];
                    arg = i;
                }
            }
            allMatches[j] = arg;
            matches[j] = best < NEG ? -1 : (best < POS ? -2 : arg);
        }
        for (int i = 0; i < g; i++) {
            double best = 0;
            for (int j = 0; j < a; j++) {
                best = Math.max(best, m[i][j]);
            }
            if (best <= 0) {
                continue; // same guard as MaxIoUAssigner (gt overlapping nothing)
            }
            for (int j = 0; j < a; j++) {
                if (m[i][j] == best) {
                    matches[j] = allMatches[j];
                }
            }
        }
        return matches;
    }

    private static double delta(double[] g, int gi, double[] a, int ai, int d) {
        double aw = a[4 * ai + 2] - a[4 * ai], ah = a[4 * ai + 3] - a[4 * ai + 1];
        double gw = g[4 * gi + 2] - g[4 * gi], gh = g[4 * gi + 3] - g[4 * gi + 1];
        switch (d) {
            case 0: return ((g[4 * gi] + 0.5 * gw) - (a[4 * ai] + 0.5 * aw)) / aw;
            case 1: return ((g[4 * gi + 1] + 0.5 * gh) - (a[4 * ai + 1] + 0.5 * ah)) / ah;
            case 2: return Math.log(gw / aw);
            default: return Math.log(gh / ah);
        }
    }

    private static void check(DenseTargets fast, BaselineTargets slow) {
        INDArray[] ours = {fast.classTargets(), fast.boxTargets(), fast.classMask(), fast.boxMask()};
        String[] names = {"class targets", "box targets", "class mask", "box mask"};
        for (int i = 0; i < 4; i++) {
            double diff = ours[i].sub(slow.arrays()[i]).amaxNumber().doubleValue();
            if (diff > 1e-5) {
                throw new IllegalStateException(names[i] + " differ from the baseline by " + diff);
            }
        }
        System.out.printf("check: optimised == baseline (positives %d, ignored %d / %d anchors in image 0)%n",
                fast.assignments().get(0).numPositive(), fast.assignments().get(0).numIgnored(), fast.assignments().get(0).numAnchors());
    }

    private static int[] baselineNms(double[] boxes, double[] scores, int[] cls, double thr) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
        boolean[] removed = new boolean[scores.length];
        List<Integer> keep = new ArrayList<>();
        for (int p = 0; p < order.length; p++) {
            int i = order[p];
            if (removed[i]) {
                continue;
            }
            keep.add(i);
            for (int q = p + 1; q < order.length; q++) {
                int j = order[q];
                if (!removed[j] && cls[j] == cls[i] && iou(boxes, i, boxes, j) > thr) {
                    removed[j] = true;
                }
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
