package io.github.retina4j.bench;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.inference.BatchNormFolding;
import io.github.retina4j.models.inference.ChannelsLastInference;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What an application embedding a detector pays (DESIGN §8): ResNet-50-FPN RetinaNet and Libra RetinaNet inference on
 * CPU, against torchvision's {@code RetinaNet} measured in the same run with the same thread count.
 *
 * <ul>
 *   <li>network forward, batch 1: the trainable graph as a model file holds it, with its frozen batch norms folded
 *       ({@link BatchNormFolding}), and the {@link Detector}'s inference copy, folded and channels-last
 *       ({@link ChannelsLastInference}, the input's permute included); median of the timed runs after the
 *       warm-ups;</li>
 *   <li>throughput of {@link Detector#detect(INDArray)} (network, anchors, post-processing; the input already
 *       preprocessed): images/s for batch 1, batch 4, and 2 callers on 2 replicas at batch 1.</li>
 * </ul>
 * torchvision runs the same steps: backbone, head, anchors and {@code postprocess_detections} (its {@code forward}
 * without the resize/normalise transform), {@code FrozenBatchNorm2d} as torchvision keeps it, 2 Python threads for
 * the 2 callers. Random weights (frozen batch norms at the identity, the head's bias at the prior): post-processing
 * sees almost no candidate above the score threshold; {@code PostProcessBenchmark} measures it on realistic scores.
 *
 * <p>Not a test: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * io.github.retina4j.bench.InferenceBenchmark [warmup=2] [iterations=5] [sizes=512x512,800x1344] [torch|notorch]
 * [models=retinanet,libra] [classes=80]}. Run it with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} as the
 * {@code retina4j} launcher does.
 */
public final class InferenceBenchmark {

    private static final int BATCH = 4;
    private static final int CALLERS = 2;

    private InferenceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String sizesArg = args.length > 2 ? args[2] : "512x512,800x1344";
        boolean skipTorch = args.length > 3 && args[3].equals("notorch");
        String[] models = args.length > 4 ? args[4].split(",") : new String[] {"retinanet", "libra"};
        int classes = args.length > 5 ? Integer.parseInt(args[5]) : 80;
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("warmup must be ≥ 0 and iterations ≥ 1, got " + warmup + ", " + iterations);
        }
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "InferenceBenchmark: %d classes, %d threads, warmup %d, %d timed runs (median), load average %s%n",
                classes, threads, warmup, iterations, BenchStats.loadAverage());
        List<String> forwardRows = new ArrayList<>();
        List<String> throughputRows = new ArrayList<>();
        for (String s : sizesArg.split(",")) {
            int h = Integer.parseInt(s.split("x")[0]);
            int w = Integer.parseInt(s.split("x")[1]);
            Map<String, Double> torch = skipTorch ? null : torchvision(h, w, warmup, iterations, threads, classes);
            double[] reference = null;
            for (String model : models) {
                double[] ours = run(model, classes, h, w, warmup, iterations);
                if (model.equals("retinanet")) {
                    reference = ours;
                }
                String name = model.equals("libra") ? "Libra RetinaNet R50-FPN" : "RetinaNet R50-FPN";
                forwardRows.add(String.format(Locale.ROOT, "| %s | %dx%d | %s | %s | %s | %s | %s | %s |", name, h, w,
                        fmt(ours[0]), fmt(ours[1]), fmt(ours[5]), torch == null ? "n/a" : fmt(torch.get("forward")),
                        ratio(ours[5], torch == null ? null : torch.get("forward")),
                        model.equals("libra") && reference != null ? ratio(ours[5], reference[5]) : ""));
                throughputRows.add(String.format(Locale.ROOT, "| %s | %dx%d | %.2f | %s | %.2f | %s | %.2f | %s |", name, h, w,
                        ours[2], perSecond(torch, "b1", ours[2]), ours[3], perSecond(torch, "b4", ours[3]),
                        ours[4], perSecond(torch, "callers", ours[4])));
                System.out.println("ROW " + forwardRows.get(forwardRows.size() - 1));
                System.out.println("ROW " + throughputRows.get(throughputRows.size() - 1));
            }
        }
        System.out.println();
        System.out.println("Network forward, batch 1 (s; median):");
        System.out.println("| model | input | trainable graph | batch norms folded | + channels-last (Detector) | torchvision | ratio | Libra / RetinaNet |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        forwardRows.forEach(System.out::println);
        System.out.println();
        System.out.println("Detector throughput (images/s; torchvision in brackets as images/s and our ratio of times):");
        System.out.println("| model | input | batch 1 | torchvision | batch " + BATCH + " | torchvision | " + CALLERS
                + " callers | torchvision |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        throughputRows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
    }

    /**
     * {trainable forward s, folded forward s, images/s batch 1, images/s batch 4, images/s with 2 callers, folded +
     * channels-last forward s}.
     */
    private static double[] run(String model, int classes, int h, int w, int warmup, int iterations) throws Exception {
        RetinaNetConfig cfg = ModelBenchmark.config(model, classes);
        ComputationGraph graph = RetinaNet.build(cfg);
        System.out.printf(Locale.ROOT, "%n%s %dx%d%n", model, h, w);
        INDArray x1 = Nd4j.randn(DataType.FLOAT, 1, 3, h, w);
        double trainable = time("  forward, trainable graph", warmup, iterations, () -> graph.output(false, x1));
        ComputationGraph folded = BatchNormFolding.fold(graph);
        double foldedTime = time("  forward, batch norms folded", warmup, iterations, () -> folded.output(false, x1));
        ComputationGraph last = ChannelsLastInference.convert(folded);
        double lastTime = time("  forward, folded and channels-last (input permute included)", warmup, iterations,
                () -> last.output(false, x1.permute(0, 2, 3, 1).dup('c')));

        ModelMetadata metadata = ModelMetadata.forRetinaNet(BenchStats.categories(classes), PreprocessConfig.of(h, w, cfg.sizeDivisor()),
                AnchorConfig.retinaNet(), BoxCoder.mmdetectionDefault());
        double b1;
        double b4;
        double callers;
        try (Detector detector = new Detector(graph, metadata, CALLERS)) {
            b1 = 1 / time("  Detector batch 1", warmup, iterations, () -> detector.detect(x1));
            INDArray x4 = Nd4j.randn(DataType.FLOAT, BATCH, 3, h, w);
            b4 = BATCH / time("  Detector batch " + BATCH, Math.min(warmup, 1), Math.max(2, iterations / 2),
                    () -> detector.detect(x4));
            callers = concurrent(detector, x1, warmup, iterations);
        }
        return new double[] {trainable, foldedTime, b1, b4, callers, lastTime};
    }

    /** Images/s of {@link #CALLERS} threads each detecting {@code iterations} single images on its own replica. */
    private static double concurrent(Detector detector, INDArray x1, int warmup, int iterations) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Callable<Object>> warm = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                warm.add(() -> detector.detect(x1));   // creates the second replica
            }
            for (int i = 0; i < Math.max(1, warmup); i++) {
                for (Future<Object> f : pool.invokeAll(warm)) {
                    f.get();
                }
            }
            List<Callable<Object>> work = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                work.add(() -> {
                    for (int i = 0; i < iterations; i++) {
                        detector.detect(x1);
                    }
                    return null;
                });
            }
            long t = System.nanoTime();
            for (Future<Object> f : pool.invokeAll(work)) {
                f.get();
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            double rate = CALLERS * iterations / seconds;
            System.out.printf(Locale.ROOT, "  Detector, %d callers: %d images in %.2f s = %.2f images/s (%d replicas)%n",
                    CALLERS, CALLERS * iterations, seconds, rate, detector.replicasCreated());
            return rate;
        } finally {
            pool.shutdown();
        }
    }

    private static double time(String label, int warmup, int iterations, Runnable r) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] t = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        double median = BenchStats.median(t);
        System.out.printf(Locale.ROOT, "%s: median %.3f s of %s%n", label, median, Arrays.toString(round(t)));
        return median;
    }

    private static double[] round(double[] t) {
        double[] r = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            r[i] = Math.round(t[i] * 1000) / 1000.0;
        }
        return r;
    }

    private static String fmt(double seconds) {
        return String.format(Locale.ROOT, "%.3f", seconds);
    }

    private static String ratio(double ours, Double theirs) {
        return theirs == null ? "n/a" : String.format(Locale.ROOT, "%.2f×", ours / theirs);
    }

    /** torchvision's images/s and the ratio of our time per image to theirs. */
    private static String perSecond(Map<String, Double> torch, String key, double ours) {
        if (torch == null || !torch.containsKey(key)) {
            return "n/a";
        }
        double theirs = torch.get(key);
        return String.format(Locale.ROOT, "%.2f (%.2f×)", theirs, theirs / ours);
    }

    /** torchvision's forward median (s) and images/s at batch 1, batch 4 and with 2 callers; null without torch. */
    private static Map<String, Double> torchvision(int h, int w, int warmup, int iterations, int threads, int classes)
            throws Exception {
        System.out.printf(Locale.ROOT, "%ntorchvision %dx%d%n", h, w);
        return BenchStats.pythonResults("  torchvision: ", TORCH_SCRIPT, String.valueOf(h), String.valueOf(w),
                String.valueOf(warmup), String.valueOf(iterations), String.valueOf(threads), String.valueOf(classes),
                String.valueOf(BATCH), String.valueOf(CALLERS));
    }

    /**
     * torchvision's RetinaNet with a pretrained model's layout (FrozenBatchNorm2d), and its eval {@code forward} without
     * the transform: backbone, head, anchors, {@code postprocess_detections}.
     */
    private static final String TORCH_SCRIPT = String.join("\n",
            "import sys, time, statistics, threading, torch, torchvision",
            "from torchvision.ops import misc",
            "from torchvision.ops.feature_pyramid_network import LastLevelP6P7",
            "from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor",
            "from torchvision.models.detection.retinanet import RetinaNet",
            "from torchvision.models.detection.image_list import ImageList",
            "h, w, warm, iters, threads, classes, batch, callers = map(int, sys.argv[1:9])",
            "torch.set_num_threads(threads); torch.manual_seed(0)",
            "body = torchvision.models.resnet50(weights=None, norm_layer=misc.FrozenBatchNorm2d)",
            "backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(256, 256))",
            "model = RetinaNet(backbone, classes, min_size=min(h, w), max_size=max(h, w)).eval()",
            "print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'threads', torch.get_num_threads())",
            "def forward(x):",
            "    with torch.no_grad():",
            "        f = model.backbone(x); model.head(list(f.values()))",
            "def detect(x):",
            "    with torch.no_grad():",
            "        feats = list(model.backbone(x).values())",
            "        out = model.head(feats)",
            "        images = ImageList(x, [(h, w)] * x.shape[0])",
            "        anchors = model.anchor_generator(images, feats)",
            "        hw = [f.size(2) * f.size(3) for f in feats]",
            "        a = out['cls_logits'].size(1) // sum(hw)",
            "        per_level = [n * a for n in hw]",
            "        split = {k: list(out[k].split(per_level, dim=1)) for k in out}",
            "        split_anchors = [list(an.split(per_level)) for an in anchors]",
            "        return model.postprocess_detections(split, split_anchors, images.image_sizes)",
            "def timed(label, f, warm, iters):",
            "    for _ in range(warm): f()",
            "    ts = []",
            "    for _ in range(iters):",
            "        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)",
            "    print(label, 'median', round(statistics.median(ts), 3), [round(t, 3) for t in ts])",
            "    return statistics.median(ts)",
            "x1 = torch.randn(1, 3, h, w)",
            "print('RESULT forward', timed('forward b1', lambda: forward(x1), warm, iters))",
            "print('RESULT b1', 1 / timed('detect b1', lambda: detect(x1), warm, iters))",
            "x4 = torch.randn(batch, 3, h, w)",
            "print('RESULT b4', batch / timed('detect b' + str(batch), lambda: detect(x4), min(warm, 1), max(2, iters // 2)))",
            "def caller():",
            "    for _ in range(iters): detect(x1)",
            "ts = [threading.Thread(target=caller) for _ in range(callers)]",
            "t = time.perf_counter()",
            "for th in ts: th.start()",
            "for th in ts: th.join()",
            "s = time.perf_counter() - t",
            "print(callers, 'callers:', callers * iters, 'images in', round(s, 2), 's')",
            "print('RESULT callers', callers * iters / s)");
}
