package io.github.retina4j.bench;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.losses.BalancedL1Loss;
import io.github.retina4j.losses.L1Loss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.inference.DetectionPostProcessor;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.optimize.MomentumSgd;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * RetinaNet-R50-FPN and Libra RetinaNet-R50-FPN speed on CPU (DESIGN §8): training step (batch 2) and
 * inference (batch 1, network forward; post-processing timed separately) at 512×512 and 800×1333,
 * with the achieved GFLOP/s from an analytic count of the convolution (and non-local) multiply-adds,
 * and — when {@code /usr/bin/python3} can import torch and torchvision — the ratio against torchvision's
 * {@code retinanet_resnet50_fpn} (same layout: frozen BN, stem + layer1 frozen, P6 from P5, same number of classes)
 * measured in the same run with the same thread count.
 *
 * <p>Sizes are padded inputs: 512×512, 800×1344 (800×1333 padded to the divisor 32), for RetinaNet and
 * Libra RetinaNet alike (the balanced feature pyramid resizes to any level sizes). Not a test: run with
 * {@code java --add-modules jdk.incubator.vector ... ModelBenchmark [warmup=2] [iterations=3]
 * [sizes=512x512,800x1344] [torch|notorch] [models=retinanet,libra] [classes=80] [single-pass|dl4j] [rounds=1]} (the
 * module flag gives the focal loss its vector kernel, as the {@code retina4j} launcher does).
 *
 * <p>{@code rounds} &gt; 1 repeats each measurement, ours then torchvision's, that many times in turn (each round with its
 * own warm-ups) and reports the medians over the rounds with the spread of the per-round ratios: on a shared machine
 * both libraries' times drift by 5–10 % between minutes (DESIGN §10.18), so alternating them is what makes a ratio of a
 * few percent readable.
 *
 * <p>The training FLOPs are counted as 3× the forward FLOPs (backward ≈ 2× forward), the usual
 * convention; frozen layers skip their weight gradients in both libraries, so this slightly overstates
 * the work. Run it with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} as the {@code retina4j} launcher does. DL4J targets are random dense targets (the target assignment is benchmarked elsewhere);
 * torchvision's step includes its Python-side matching and loss.
 */
public final class ModelBenchmark {

    /** Number of classes: 80 (COCO) unless given (1203 for LVIS: the classification conv grows to 9×1203 outputs). */
    private static int classes = 80;
    /**
     * Output layers: "single-pass" (the detectors' {@code SinglePassLossLayer}, one loss call per step) or "dl4j"
     * (DL4J's {@code RnnLossLayer}, gradient and score as two calls; the layer the detectors used before, DESIGN §10.13).
     */
    private static String outputs = "single-pass";
    private static final int TRAIN_BATCH = 2;

    private ModelBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2; // one is not enough for the first model of a process
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String sizesArg = args.length > 2 ? args[2] : "512x512,800x1344";
        boolean skipTorch = args.length > 3 && args[3].equals("notorch");
        String[] models = args.length > 4 ? args[4].split(",") : new String[] {"retinanet", "libra"};
        classes = args.length > 5 ? Integer.parseInt(args[5]) : classes;
        outputs = args.length > 6 ? args[6] : outputs;
        if (!outputs.equals("single-pass") && !outputs.equals("dl4j")) {
            throw new IllegalArgumentException("outputs must be single-pass or dl4j, got " + outputs);
        }
        int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 1;
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be ≥ 1, got " + rounds);
        }
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "ModelBenchmark: %d classes, %s output layers, loss kernel %s, %d threads, warmup %d, %d timed iterations (median), load average %s%n",
                classes, outputs, System.getProperty("retina4j.losses.vector", "default"), threads, warmup, iterations,
                BenchStats.loadAverage());
        List<String> rows = new ArrayList<>();
        for (String model : models) {
            for (String s : sizesArg.split(",")) {
                int h = Integer.parseInt(s.split("x")[0]);
                int w = Integer.parseInt(s.split("x")[1]);
                List<Measurement> measured = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    if (rounds > 1) {
                        System.out.printf(Locale.ROOT, "%nround %d of %d, load average %s", r + 1, rounds,
                                BenchStats.loadAverage());
                    }
                    measured.add(run(model, h, w, warmup, iterations, threads, skipTorch));
                }
                rows.add(row(model, h, w, measured));
                System.out.println("ROW " + rows.get(rows.size() - 1));
            }
        }
        System.out.println();
        if (rounds > 1) {
            System.out.println("Medians over " + rounds + " rounds; ratio = median of the rounds' ratios [lowest, highest]:");
        }
        System.out.println("| model | input | train step b2 (s) | GFLOP/s | torchvision (s) | ratio | inference b1 (s) | GFLOP/s | torchvision (s) | ratio | post-process (ms) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
    }

    /** ResNet-50-FPN RetinaNet (model "retinanet") or Libra RetinaNet ("libra") with {@code classes} classes. */
    static RetinaNetConfig config(String model, int classes) {
        RetinaNetConfig.Builder b = new RetinaNetConfig.Builder(classes).backbone(ResNetConfig.of(50))
                .fpn(FpnConfig.torchvision()).head(HeadConfig.paper())
                .classLoss(new SigmoidFocalLoss()).boxLoss(new L1Loss())
                // The recipe's optimiser (momentum SGD with the config's weight decay, given to torchvision's side
                // too) at learning rate 0: the same update arithmetic, but the randomly initialised network (no
                // trained BN statistics) does not diverge to NaN over the timed steps.
                .updater(new MomentumSgd(0.0, MomentumSgd.MMDET_MOMENTUM));
        if (model.equals("libra")) {
            b.balancedPyramid(BfpConfig.paper()).boxLoss(new BalancedL1Loss());
        }
        return b.build();
    }

    private static Measurement run(String model, int h, int w, int warmup, int iterations, int threads, boolean skipTorch)
            throws Exception {
        RetinaNetConfig cfg = config(model, classes);
        ComputationGraph graph = RetinaNet.build(cfg);
        if (outputs.equals("dl4j")) {
            String json = graph.getConfiguration().toJson().replace(
                    "\"" + io.github.retina4j.models.dl4j.SinglePassLossLayer.class.getName() + "\"",
                    "\"" + org.deeplearning4j.nn.conf.layers.RnnLossLayer.class.getName() + "\"");
            graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
            graph.init();
        }
        double forwardFlops = forwardFlops(graph.getConfiguration(), cfg, h, w);
        AnchorGenerator anchors = new AnchorGenerator(AnchorConfig.retinaNet());
        int a = anchors.numAnchors(h, w);
        System.out.printf(Locale.ROOT, "%n%s %dx%d: %d anchors, forward %.1f GFLOP (analytic)%n", model, h, w, a, forwardFlops / 1e9);

        // inference, batch 1
        INDArray x1 = Nd4j.randn(DataType.FLOAT, 1, 3, h, w);
        INDArray[] out = null;
        for (int i = 0; i < warmup; i++) {
            out = graph.output(false, x1);
        }
        double[] inf = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            out = graph.output(false, x1);
            inf[i] = (System.nanoTime() - t) / 1e9;
        }
        double infMedian = BenchStats.median(inf);
        // post-processing of those outputs (COCO settings)
        CategoryMapping cats = BenchStats.categories(classes);
        DetectionPostProcessor post = new DetectionPostProcessor(PostProcessConfig.coco(), BoxCoder.mmdetectionDefault(), cats);
        List<ImageMeta> meta = List.of(DetectionPostProcessor.identityMeta(0, w, h));
        int clsIdx = graph.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.CLASS_OUTPUT);
        int boxIdx = graph.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.BOX_OUTPUT);
        // shift logits so that many candidates pass the threshold (an untrained head sits at the prior 0.01)
        INDArray logits = out[clsIdx].add(3.0);
        post.process(logits, out[boxIdx], anchors, h, w, meta);
        double[] pp = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            post.process(logits, out[boxIdx], anchors, h, w, meta);
            pp[i] = (System.nanoTime() - t) / 1e6;
        }
        System.out.printf(Locale.ROOT, "  inference: %s s%n", Arrays.toString(inf));

        // training step, batch 2
        MultiDataSet batch = randomBatch(TRAIN_BATCH, h, w, a);
        for (int i = 0; i < warmup; i++) {
            graph.fit(batch);
        }
        double[] train = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            graph.fit(batch);
            train[i] = (System.nanoTime() - t) / 1e9;
        }
        double trainMedian = BenchStats.median(train);
        System.out.printf(Locale.ROOT, "  training: %s s (score %.4f)%n", Arrays.toString(train), graph.score());
        double loss = classLossSeconds(cfg, batch, iterations);
        System.out.printf(Locale.ROOT, "  class loss alone (gradient + score on the step's [N·A, C] arrays): %.3f s = %.1f%% of the step%n",
                loss, 100 * loss / trainMedian);
        graph = null;
        System.gc();

        double[] torch = skipTorch ? null : torchvision(model, h, w, warmup, iterations, threads);
        return new Measurement(trainMedian, infMedian, BenchStats.median(pp), 3 * forwardFlops * TRAIN_BATCH,
                forwardFlops, torch == null ? Double.NaN : torch[0], torch == null ? Double.NaN : torch[1]);
    }

    /** One round's medians (seconds; post-processing in ms) and FLOP counts; torchvision's NaN when it did not run. */
    private record Measurement(double train, double inference, double postMs, double trainFlops, double forwardFlops,
                               double torchTrain, double torchInference) {
    }

    /** The table row of one model and size: medians over the rounds, each ratio the median of the rounds' ratios. */
    private static String row(String model, int h, int w, List<Measurement> rounds) {
        double train = BenchStats.median(rounds.stream().mapToDouble(Measurement::train).toArray());
        double inference = BenchStats.median(rounds.stream().mapToDouble(Measurement::inference).toArray());
        double post = BenchStats.median(rounds.stream().mapToDouble(Measurement::postMs).toArray());
        boolean torch = rounds.stream().noneMatch(m -> Double.isNaN(m.torchTrain()));   // ratios only from full rounds
        Measurement first = rounds.get(0);
        return String.format(Locale.ROOT, "| %s | %dx%d | %s | %.1f | %s | %s | %s | %.1f | %s | %s | %.1f |",
                model.equals("libra") ? "Libra RetinaNet R50-FPN" : "RetinaNet R50-FPN", h, w, fmt(train),
                first.trainFlops() / train / 1e9,
                torch ? fmt(BenchStats.median(rounds.stream().mapToDouble(Measurement::torchTrain).toArray())) : "n/a",
                torch ? ratio(rounds.stream().mapToDouble(m -> m.train() / m.torchTrain()).toArray()) : "n/a",
                fmt(inference), first.forwardFlops() / inference / 1e9,
                torch ? fmt(BenchStats.median(rounds.stream().mapToDouble(Measurement::torchInference).toArray())) : "n/a",
                torch ? ratio(rounds.stream().mapToDouble(m -> m.inference() / m.torchInference()).toArray()) : "n/a",
                post);
    }

    /** A ratio, or with several rounds the median of the rounds' ratios and their range. */
    private static String ratio(double[] perRound) {
        double median = BenchStats.median(perRound);
        if (perRound.length == 1) {
            return String.format(Locale.ROOT, "%.2f×", median);
        }
        double[] sorted = perRound.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.2f× [%.2f, %.2f]", median, sorted[0], sorted[sorted.length - 1]);
    }

    /**
     * Median seconds of the class loss's gradient + score, as the output layer asks for them in a step (inside a
     * workspace; one call or two, see {@link #outputs}), on arrays of the step's [N·A, C] shape: the batch's labels and mask, logits at an untrained head's
     * level. Measured in the same process right after the steps, so the share of the step is read under the same load.
     */
    private static double classLossSeconds(RetinaNetConfig cfg, MultiDataSet batch, int iterations) {
        INDArray y3 = batch.getLabels(0);
        long n = y3.size(0);
        long c = y3.size(1);
        long a = y3.size(2);
        INDArray labels = y3.permute(0, 2, 1).dup('c').reshape('c', n * a, c);
        INDArray mask = batch.getLabelsMaskArray(0).dup('c').reshape('c', n * a, 1);
        INDArray logits = Nd4j.randn(DataType.FLOAT, n * a, c).muli(2).subi(4);
        org.nd4j.linalg.activations.IActivation identity = new org.nd4j.linalg.activations.impl.ActivationIdentity();
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration ws = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration
                .builder().policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.OVERALLOCATE)
                .policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP).build();
        double[] t = new double[iterations];
        for (int i = -1; i < iterations; i++) {           // one warm-up call
            long t0 = System.nanoTime();
            try (org.nd4j.linalg.api.memory.MemoryWorkspace w = Nd4j.getWorkspaceManager()
                    .getAndActivateWorkspace(ws, "MODEL_BENCHMARK_LOSS")) {
                if (outputs.equals("dl4j")) {
                    cfg.classLoss().computeGradient(labels, logits, identity, mask);
                    cfg.classLoss().computeScore(labels, logits, identity, mask, false);
                } else {
                    cfg.classLoss().computeGradientAndScore(labels, logits, identity, mask, false);
                }
            }
            if (i >= 0) {
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return BenchStats.median(t);
    }

    private static String fmt(double s) {
        return String.format(Locale.ROOT, "%.2f", s);
    }

    /** Random dense targets: ~0.1 % positive anchors with one class each, everything used. */
    private static MultiDataSet randomBatch(int n, int h, int w, int a) {
        INDArray x = Nd4j.randn(DataType.FLOAT, n, 3, h, w);
        INDArray positive = Nd4j.rand(DataType.FLOAT, n, a).lt(0.001).castTo(DataType.FLOAT);
        INDArray cls = Nd4j.zeros(DataType.FLOAT, n, classes, a);
        // class 0 for every positive: enough for timing (the loss work does not depend on which class)
        cls.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(positive);
        INDArray box = Nd4j.randn(DataType.FLOAT, n, 4, a).muli(0.1);
        INDArray clsMask = Nd4j.ones(DataType.FLOAT, n, a);
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {cls, box}, null, new INDArray[] {clsMask, positive});
    }

    /**
     * Forward multiply-add FLOPs (2 per MAC) of every DL4J convolution (from the activation sizes of the
     * configuration), the shared heads (per level: numConvs 3×3 convs + predictor) and the balanced
     * pyramid's non-local block (four 1×1 convs and the two HW×HW matrix products).
     */
    static double forwardFlops(ComputationGraphConfiguration conf, RetinaNetConfig cfg, int h, int w) {
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(h, w, 3));
        double flops = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            Layer l = lv.getLayerConf().getLayer();
            if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getUnderlying();
            } else if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
                l = f.getLayer();
            }
            if (!(l instanceof ConvolutionLayer c)) {
                continue;
            }
            InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) types.get(e.getKey());
            long macsPerOutput = c.getKernelSize()[0] * c.getKernelSize()[1]
                    * (l instanceof DepthwiseConvolution2D ? 1 : c.getNIn());
            flops += 2.0 * o.getHeight() * o.getWidth() * o.getChannels() * macsPerOutput;
        }
        // shared heads: same work on every level P3..P7 (sizes ceil(H / 2^l))
        HeadConfig hc = cfg.head();
        int ch = cfg.fpn().channels();
        double positions = 0;
        long lh = h, lw = w;
        List<long[]> levels = new ArrayList<>();
        for (int stride = 8; stride <= 128; stride *= 2) {
            lh = (h + stride - 1) / stride;
            lw = (w + stride - 1) / stride;
            positions += lh * lw;
            levels.add(new long[] {lh, lw});
        }
        for (int outputs : new int[] {hc.numAnchors() * cfg.numClasses(), hc.numAnchors() * 4}) {
            double perPosition = hc.numConvs() * 9.0 * ch * hc.channels() + 9.0 * hc.channels() * outputs;
            flops += 2 * positions * perPosition;
        }
        if (cfg.balancedPyramid() != null) {
            long[] refine = levels.get(cfg.balancedPyramid().refineLevel());
            double n = (double) refine[0] * refine[1];
            double inner = (double) ch / cfg.balancedPyramid().reduction();
            flops += 2 * n * (3 * ch * inner + inner * ch);   // θ, φ, g and the output 1×1 convs
            flops += 2 * 2 * n * n * inner;                    // θᵀφ and f·g
        }
        return flops;
    }

    /** torchvision's times {train step b2, forward b1} in seconds, or null when torch is not available. */
    private static double[] torchvision(String model, int h, int w, int warmup, int iterations, int threads) throws Exception {
        if (model.equals("libra")) {
            // torchvision has no Libra RetinaNet: compare with its RetinaNet at the same size (the BFP is extra work)
            System.out.println("  torchvision: no Libra variant, ratio against its RetinaNet at the same size");
        }
        Map<String, Double> result = BenchStats.pythonResults("  torchvision: ", TORCH_SCRIPT, String.valueOf(h),
                String.valueOf(w), String.valueOf(warmup), String.valueOf(iterations), String.valueOf(threads),
                String.valueOf(classes), String.valueOf(config(model, classes).weightDecay()));
        if (result == null || !result.containsKey("train") || !result.containsKey("forward")) {
            System.out.println("  torchvision: no timings, no ratio");
            return null;
        }
        return new double[] {result.get("train"), result.get("forward")};
    }

    /** torchvision retinanet_resnet50_fpn with the layout of a pretrained model: FrozenBN, layers 2–4 trainable. */
    private static final String TORCH_SCRIPT = String.join("\n",
            "import sys, time, statistics, torch, torchvision",
            "from torchvision.ops import misc",
            "from torchvision.ops.feature_pyramid_network import LastLevelP6P7",
            "from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor",
            "from torchvision.models.detection.retinanet import RetinaNet",
            "h, w, warm, iters, threads, classes = map(int, sys.argv[1:7])",
            "wd = float(sys.argv[7])",
            "torch.set_num_threads(threads); torch.manual_seed(0)",
            "body = torchvision.models.resnet50(weights=None, norm_layer=misc.FrozenBatchNorm2d)",
            "backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(256, 256))",
            "model = RetinaNet(backbone, classes, min_size=min(h, w), max_size=max(h, w))",
            "print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'threads', torch.get_num_threads())",
            "x = torch.randn(1, 3, h, w)",
            "model.eval()",
            "def fwd():",
            "    with torch.no_grad():",
            "        f = model.backbone(x); model.head(list(f.values()))",
            "ts = []",
            "for i in range(warm + iters):",
            "    t = time.perf_counter(); fwd(); ts.append(time.perf_counter() - t)",
            "print('forward', [round(t, 3) for t in ts[warm:]])",
            "print('RESULT forward', statistics.median(ts[warm:]))",
            "model.train()",
            "opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0, momentum=0.9, weight_decay=wd)",
            "imgs = [torch.rand(3, h, w) for _ in range(2)]",
            "tg = [{'boxes': torch.tensor([[10., 20., 200., 220.], [50., 60., 120., 90.]]), 'labels': torch.tensor([1, 2])} for _ in range(2)]",
            "ts = []",
            "for i in range(warm + iters):",
            "    t = time.perf_counter()",
            "    loss = sum(model(imgs, tg).values()); opt.zero_grad(); loss.backward(); opt.step()",
            "    ts.append(time.perf_counter() - t)",
            "print('train', [round(t, 3) for t in ts[warm:]])",
            "print('RESULT train', statistics.median(ts[warm:]))");
}
