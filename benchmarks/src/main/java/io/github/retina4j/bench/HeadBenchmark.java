package io.github.retina4j.bench;

import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.heads.SharedHeadVertex;
import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two shared RetinaNet subnets alone (paper configuration: 4 × 3×3 conv 256 + predictor, 9 anchors, 80 classes)
 * on the P3–P7 feature sizes of an input size: training step (batch 2, forward + backward + momentum-SGD update) and
 * inference (batch 1), for the hand-written {@link VertexBackend#NATIVE_OPS} runtime against DL4J's SameDiff execution
 * ({@link VertexBackend#SAMEDIFF}, the baseline) in the same run, and against torchvision's {@code RetinaNetHead} when
 * Debian's torch is installed. An MSE loss on both outputs keeps the loss cost small and equal for all.
 *
 * <p>Usage: {@code HeadBenchmark [warmup] [iterations] [HxW,...] [notorch]}.
 */
public final class HeadBenchmark {
    private static final int CLASSES = 80;
    private static final int CHANNELS = 256;
    private static final int TRAIN_BATCH = 2;
    /** Pyramid strides of P3..P7. */
    private static final int[] STRIDES = {8, 16, 32, 64, 128};

    private HeadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String sizes = args.length > 2 ? args[2] : "512x512,800x1344";
        boolean skipTorch = args.length > 3 && args[3].equals("notorch");
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "HeadBenchmark: %d threads, warmup %d, %d timed iterations (median), load average %s%n",
                threads, warmup, iterations, BenchStats.loadAverage());
        List<String> rows = new ArrayList<>();
        for (String s : sizes.split(",")) {
            int h = Integer.parseInt(s.split("x")[0]);
            int w = Integer.parseInt(s.split("x")[1]);
            double[] sd = time(VertexBackend.SAMEDIFF, h, w, warmup, iterations);
            double[] nat = time(VertexBackend.NATIVE_OPS, h, w, warmup, iterations);
            double[] torch = skipTorch ? null : torch(h, w, warmup, iterations, threads);
            rows.add(String.format(Locale.ROOT, "| %dx%d | %.3f | %.3f | %.2f× | %s | %s | %.3f | %.3f | %.2f× | %s | %s |",
                    h, w, sd[0], nat[0], sd[0] / nat[0], torch == null ? "n/a" : String.format(Locale.ROOT, "%.3f", torch[0]),
                    torch == null ? "n/a" : String.format(Locale.ROOT, "%.2f×", nat[0] / torch[0]),
                    sd[1], nat[1], sd[1] / nat[1], torch == null ? "n/a" : String.format(Locale.ROOT, "%.3f", torch[1]),
                    torch == null ? "n/a" : String.format(Locale.ROOT, "%.2f×", nat[1] / torch[1])));
            System.out.println("ROW " + rows.get(rows.size() - 1));
        }
        System.out.println();
        System.out.println("| input | train SameDiff (s) | train native (s) | speed-up | train torch (s) | native/torch "
                + "| infer SameDiff (s) | infer native (s) | speed-up | infer torch (s) | native/torch |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
    }

    private static long[][] levels(int h, int w) {
        long[][] hw = new long[STRIDES.length][];
        for (int i = 0; i < STRIDES.length; i++) {
            hw[i] = new long[]{(h + STRIDES[i] - 1) / STRIDES[i], (w + STRIDES[i] - 1) / STRIDES[i]};
        }
        return hw;
    }

    private static ComputationGraph graph(VertexBackend backend) {
        HeadConfig hc = HeadConfig.paper();
        String[] in = {"p3", "p4", "p5", "p6", "p7"};
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Nesterovs(0.0, 0.9)).graphBuilder().addInputs(in).addInputs("tiny");
        // DL4J's ComputationGraph.fit is a no-op when no *layer* has parameters (vertex parameters are not counted):
        // a one-weight side branch makes it train the heads.
        b.addLayer("tinyOut", new OutputLayer.Builder().nIn(1).nOut(1).lossFunction(new LossMSE())
                .activation(Activation.IDENTITY).build(), "tiny");
        SharedHeadVertex cls = RetinaHead.classificationVertex(in.length, CHANNELS, CLASSES, hc).withBackend(backend);
        SharedHeadVertex box = RetinaHead.regressionVertex(in.length, CHANNELS, hc).withBackend(backend);
        b.addVertex("cls", cls, in).addVertex("box", box, in);
        b.addLayer("clsOut", new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build(), "cls");
        b.addLayer("boxOut", new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build(), "box");
        ComputationGraphConfiguration conf = b.setOutputs("clsOut", "boxOut", "tinyOut").build();
        // as the detector graphs: workspaces unless a vertex runs through SameDiff
        conf.setTrainingWorkspaceMode(RetinaNet.workspaceMode(conf));
        conf.setInferenceWorkspaceMode(RetinaNet.workspaceMode(conf));
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** @return {median train step, median inference} in seconds */
    private static double[] time(VertexBackend backend, int h, int w, int warmup, int iterations) {
        ComputationGraph g = graph(backend);
        long[][] hw = levels(h, w);
        INDArray[] x1 = new INDArray[hw.length];
        INDArray[] x2 = new INDArray[hw.length];
        long anchors = 0;
        for (int i = 0; i < hw.length; i++) {
            x1[i] = Nd4j.randn(DataType.FLOAT, 1, CHANNELS, hw[i][0], hw[i][1]);
            x2[i] = Nd4j.randn(DataType.FLOAT, TRAIN_BATCH, CHANNELS, hw[i][0], hw[i][1]);
            anchors += hw[i][0] * hw[i][1] * HeadConfig.paper().numAnchors();
        }
        INDArray[] features = Arrays.copyOf(x2, x2.length + 1);
        features[x2.length] = Nd4j.ones(DataType.FLOAT, TRAIN_BATCH, 1);
        x1 = Arrays.copyOf(x1, x1.length + 1);
        x1[hw.length] = Nd4j.ones(DataType.FLOAT, 1, 1);
        MultiDataSet batch = new MultiDataSet(features, new INDArray[]{Nd4j.zeros(DataType.FLOAT, TRAIN_BATCH, CLASSES, anchors),
                Nd4j.zeros(DataType.FLOAT, TRAIN_BATCH, 4, anchors), Nd4j.zeros(DataType.FLOAT, TRAIN_BATCH, 1)});
        double[] train = new double[iterations];
        double[] infer = new double[iterations];
        for (int i = 0; i < warmup + iterations; i++) {
            long t = System.nanoTime();
            g.fit(batch);
            double s = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            g.output(false, x1);
            double f = (System.nanoTime() - t) / 1e9;
            if (i >= warmup) {
                train[i - warmup] = s;
                infer[i - warmup] = f;
            }
        }
        System.out.printf(Locale.ROOT, "%s %dx%d: train %s s, inference %s s%n", backend, h, w, Arrays.toString(train),
                Arrays.toString(infer));
        return new double[]{BenchStats.median(train), BenchStats.median(infer)};
    }

    /** torchvision's RetinaNetHead on the same feature sizes: {train step, inference} in seconds, or null. */
    private static double[] torch(int h, int w, int warmup, int iterations, int threads) throws Exception {
        StringBuilder shapes = new StringBuilder();
        for (long[] l : levels(h, w)) {
            shapes.append(shapes.length() == 0 ? "" : ",").append(l[0]).append('x').append(l[1]);
        }
        Map<String, Double> r = BenchStats.pythonResults("torch: ", TORCH_SCRIPT, shapes.toString(),
                String.valueOf(warmup), String.valueOf(iterations), String.valueOf(threads), String.valueOf(CLASSES));
        if (r == null || !r.containsKey("train") || !r.containsKey("inference")) {
            System.out.println("torch: no timings, no ratio");
            return null;
        }
        return new double[]{r.get("train"), r.get("inference")};
    }

    /** Head forward/backward with an MSE-like loss (sum of squares) and momentum SGD, as the DL4J graphs above. */
    private static final String TORCH_SCRIPT = String.join("\n",
            "import sys, time, statistics, torch",
            "from torchvision.models.detection.retinanet import RetinaNetHead",
            "shapes = [tuple(map(int, s.split('x'))) for s in sys.argv[1].split(',')]",
            "warm, iters, threads, classes = map(int, sys.argv[2:6])",
            "torch.set_num_threads(threads); torch.manual_seed(0)",
            "head = RetinaNetHead(256, 9, classes)",
            "opt = torch.optim.SGD(head.parameters(), lr=0.0, momentum=0.9)",
            "x2 = [torch.randn(2, 256, h, w, requires_grad=True) for h, w in shapes]  # FPN outputs need their errors",
            "x1 = [torch.randn(1, 256, h, w) for h, w in shapes]",
            "tr, inf = [], []",
            "for i in range(warm + iters):",
            "    t = time.perf_counter()",
            "    c = head.classification_head(x2); b = head.regression_head(x2)",
            "    loss = (c * c).mean() + (b * b).mean(); opt.zero_grad(); loss.backward(); opt.step()",
            "    tr.append(time.perf_counter() - t)",
            "    t = time.perf_counter()",
            "    with torch.no_grad():",
            "        head.classification_head(x1); head.regression_head(x1)",
            "    inf.append(time.perf_counter() - t)",
            "print('torch', torch.__version__, 'threads', torch.get_num_threads(), 'train', [round(v, 3) for v in tr[warm:]], 'inference', [round(v, 3) for v in inf[warm:]])",
            "print('RESULT train', statistics.median(tr[warm:]))",
            "print('RESULT inference', statistics.median(inf[warm:]))");
}
