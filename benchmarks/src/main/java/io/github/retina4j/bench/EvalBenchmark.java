package io.github.retina4j.bench;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.CocoJsonWriter;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.eval.CocoEvalResult;
import io.github.retina4j.eval.CocoEvaluator;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.eval.EvalParams;
import io.github.retina4j.eval.LvisEvalResult;
import io.github.retina4j.eval.LvisEvaluator;
import io.github.retina4j.eval.NaiveCocoEval;
import io.github.retina4j.eval.SyntheticWorkloads;
import io.github.retina4j.eval.SyntheticWorkloads.Workload;
import io.github.retina4j.coco.ResultsJson;

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

        Workload coco = SyntheticWorkloads.cocoWorkload(images, 42);
        System.out.printf(Locale.ROOT, "COCO workload: %d categories, %d annotations, %d detections%n",
                coco.gt().categories().size(), coco.gt().annotations().size(), coco.dets().size());
        if (write != null) {
            Files.createDirectories(write);
            long t0 = System.nanoTime();
            CocoJsonWriter.write(coco.gt(), write.resolve("gt.json"));
            ResultsJson.write(write.resolve("dets.json"), coco.dets());
            System.out.printf(Locale.ROOT, "wrote %s/gt.json and dets.json in %.2f s%n", write, secs(t0));
            t0 = System.nanoTime();
            CocoDataset reread = CocoJsonReader.builder().keepSegmentation(false).build().read(write.resolve("gt.json"));
            List<DetectionResult> dets = ResultsJson.read(write.resolve("dets.json"));
            System.out.printf(Locale.ROOT, "read back gt (%d annotations) + results (%d) in %.2f s%n",
                    reread.annotations().size(), dets.size(), secs(t0));
        }

        CocoEvaluator fast = new CocoEvaluator(EvalParams.coco(), cores);
        CocoEvaluator single = new CocoEvaluator(EvalParams.coco(), 1);
        CocoEvalResult r = fast.evaluate(coco.gt(), coco.dets()); // warm-up
        single.evaluate(coco.gt(), coco.dets());
        double[] naiveStats = NaiveCocoEval.stats(coco.gt(), coco.dets());
        double maxDiff = 0;
        for (int i = 0; i < 12; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(naiveStats[i] - r.stats()[i]));
        }
        System.out.print(r.summaryText());
        System.out.printf(Locale.ROOT, "cross-check vs naive port: max |diff| over the 12 numbers = %.3g%n", maxDiff);

        double tFast = best(repeats, "COCO fast, " + cores + " threads", () -> fast.evaluate(coco.gt(), coco.dets()));
        double tSingle = best(repeats, "COCO fast, 1 thread", () -> single.evaluate(coco.gt(), coco.dets()));
        double tNaive = best(repeats, "COCO naive port, 1 thread", () -> NaiveCocoEval.stats(coco.gt(), coco.dets()));
        System.out.printf(Locale.ROOT, "COCO eval  fast (%d threads): %.3f s | fast (1 thread): %.3f s | naive port (1 thread): %.3f s%n",
                cores, tFast, tSingle, tNaive);
        System.out.printf(Locale.ROOT, "COCO ratios: naive / fast = %.1fx, 1-thread / %d-thread = %.2fx%n", tNaive / tFast,
                cores, tSingle / tFast);

        Workload lvis = SyntheticWorkloads.lvisWorkload(images, 7);
        System.out.printf(Locale.ROOT, "LVIS workload: %d categories, %d annotations, %d detections%n",
                lvis.gt().categories().size(), lvis.gt().annotations().size(), lvis.dets().size());
        if (write != null) {
            CocoJsonWriter.write(lvis.gt(), write.resolve("lvis_gt.json"));
            ResultsJson.write(write.resolve("lvis_dets.json"), lvis.dets());
            System.out.printf(Locale.ROOT, "wrote %s/lvis_gt.json and lvis_dets.json%n", write);
        }
        LvisEvaluator lFast = new LvisEvaluator(EvalParams.lvis(), cores);
        LvisEvaluator lSingle = new LvisEvaluator(EvalParams.lvis(), 1);
        LvisEvalResult lr = lFast.evaluate(lvis.gt(), lvis.dets());
        System.out.print(lr.summaryText());
        System.out.println("counts: " + lr.counts());
        double tlFast = best(repeats, "LVIS fast, " + cores + " threads", () -> lFast.evaluate(lvis.gt(), lvis.dets()));
        double tlSingle = best(repeats, "LVIS fast, 1 thread", () -> lSingle.evaluate(lvis.gt(), lvis.dets()));
        System.out.printf(Locale.ROOT, "LVIS eval  fast (%d threads): %.3f s | fast (1 thread): %.3f s | ratio %.2fx%n",
                cores, tlFast, tlSingle, tlSingle / tlFast);
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
}
