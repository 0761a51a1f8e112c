package io.github.retina4j.bench;

import io.github.retina4j.losses.L1Loss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Float32 batch-1 convolution speed of every distinct convolution shape of RetinaNet-R50-FPN (ResNet-50 stem,
 * bottleneck 1×1 reduce/expand, 3×3, 1×1 stride-2 downsample; FPN laterals, outputs, P6/P7; the shared head's 3×3
 * convs and predictors) at the given input sizes: DL4J's path as the layer runs it and alternatives, against
 * {@code torch.nn.functional.conv2d} (+ in-place ReLU where the layer has one) measured in the same run with the same
 * thread count.
 *
 * <p>Methods (each writes into a preallocated NCHW output, bias always added — DL4J's oneDNN helper passes a zero
 * bias when the layer has none — and ReLU in place where the network has it):
 * <ul>
 * <li>{@code layer}: libnd4j {@code conv2d} with DL4J's weight layout OIYX ({@code [out, in, kH, kW]}, weight format
 * code 1), what {@code ConvolutionLayer}'s oneDNN helper runs (the heads use YXIO, see {@code Conv2dOp}: the shape's
 * own layout is what {@code layer} uses for them);</li>
 * <li>{@code yxio}, {@code oyxi}: the same op with weights reordered once to format code 0 / 2;</li>
 * <li>{@code nhwc}: the same op on NHWC activations (input and output already NHWC, weights OIYX);</li>
 * <li>{@code nhwc-perm}: NCHW in and out, permuted to and from NHWC around the NHWC op (copies included);</li>
 * <li>{@code gemm} (1×1 only, not in the default list): OpenBLAS {@code sgemm} W[out, in] × X[in, H·W] into the output (bias as its initial
 * value, β = 1); stride 2 first copies the subsampled input into a scratch array;</li>
 * <li>{@code matmul} (1×1 only): libnd4j's {@code matmul} op on the same operands, bias added after.</li>
 * </ul>
 * Every method's output is compared with {@code layer}'s (max |Δ| printed); iterations run the methods round robin
 * so that the shared machine's load changes hit all of them alike (minimum printed beside the median). Not a test:
 * run with {@code bench ConvBenchmark [warmup=2] [iterations=5] [sizes=512x512,800x1344] [torch|notorch]
 * [methods=...]}; {@code bench ConvBenchmark network [warmup=2] [iterations=5] [sizes=800x1344] [torch|notorch]}
 * times the whole RetinaNet-R50-FPN inference forward at batch 1 (and torchvision's) instead.
 */
public final class ConvBenchmark {
    private static final String[] ALL_METHODS = {"layer", "yxio", "oyxi", "nhwc", "nhwc-perm", "matmul"};

    private ConvBenchmark() {
    }

    /** One convolution shape (batch 1), with how many times the network runs it. */
    record Shape(String role, int in, int out, int k, int stride, int pad, int h, int w, boolean relu,
                 boolean headLayout, int count) {
        int outH() {
            return (h + 2 * pad - k) / stride + 1;
        }

        int outW() {
            return (w + 2 * pad - k) / stride + 1;
        }

        String key() {
            return in + "-" + out + "-k" + k + "s" + stride + "p" + pad + "-" + h + "x" + w + (relu ? "-relu" : "");
        }

        double gflop() {
            return 2.0 * out * outH() * outW() * in * k * k / 1e9;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("network")) {
            network(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String sizesArg = args.length > 2 ? args[2] : "512x512,800x1344";
        boolean torch = !(args.length > 3 && args[3].equals("notorch"));
        List<String> methods = Arrays.asList(args.length > 4 ? args[4].split(",") : ALL_METHODS);
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "ConvBenchmark: %d threads (nd4j max threads %d), warmup %d, %d timed iterations (median), load average %s%n",
                threads, Nd4j.getEnvironment().maxThreads(), warmup, iterations, BenchStats.loadAverage());
        for (String s : sizesArg.split(",")) {
            int h = Integer.parseInt(s.split("x")[0]);
            int w = Integer.parseInt(s.split("x")[1]);
            run(h, w, warmup, iterations, threads, torch, methods);
        }
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
    }

    private static void run(int h, int w, int warmup, int iterations, int threads, boolean torch, List<String> methods)
            throws Exception {
        RetinaNetConfig cfg = new RetinaNetConfig.Builder(80).backbone(ResNetConfig.of(50)).fpn(FpnConfig.torchvision())
                .head(HeadConfig.paper()).classLoss(new SigmoidFocalLoss()).boxLoss(new L1Loss()).build();
        ComputationGraph graph = RetinaNet.build(cfg);
        List<Shape> shapes = shapes(graph.getConfiguration(), cfg, h, w);
        graph = null;
        System.out.printf(Locale.ROOT, "%nRetinaNet R50-FPN %dx%d batch 1: %d distinct convolution shapes%n", h, w, shapes.size());

        Map<String, Double> torchMs = torch ? torchTimes(shapes, warmup, iterations, threads) : null;
        List<String> header = new ArrayList<>(List.of("role", "in→out", "k/s", "input", "count", "GFLOP"));
        header.addAll(methods.stream().map(m -> m + " ms").toList());
        header.add("torch ms");
        header.addAll(methods.stream().map(m -> m + "/torch").toList());
        header.add("best");
        StringBuilder table = new StringBuilder();
        table.append("| ").append(String.join(" | ", header)).append(" |\n");
        table.append("|").append(" --- |".repeat(header.size())).append('\n');
        Map<String, Double> totals = new LinkedHashMap<>();
        double torchTotal = 0;
        Map<String, Double> bestTotal = new LinkedHashMap<>();
        double bestSum = 0;
        for (Shape sh : shapes) {
            Map<String, Double> ms = time(sh, warmup, iterations, methods);
            Double t = torchMs == null ? null : torchMs.get(sh.key());
            List<String> row = new ArrayList<>(List.of(sh.role(), sh.in() + "→" + sh.out(),
                    sh.k() + "/" + sh.stride(), sh.h() + "x" + sh.w(), String.valueOf(sh.count()),
                    String.format(Locale.ROOT, "%.2f", sh.gflop())));
            String best = null;
            for (String m : methods) {
                Double v = ms.get(m);
                row.add(v == null ? "–" : String.format(Locale.ROOT, "%.2f", v));
                if (v != null) {
                    totals.merge(m, v * sh.count(), Double::sum);
                    if (best == null || v < ms.get(best)) {
                        best = m;
                    }
                } else {
                    totals.merge(m, ms.get("layer") * sh.count(), Double::sum);  // not applicable: falls back
                }
            }
            row.add(t == null ? "n/a" : String.format(Locale.ROOT, "%.2f", t));
            if (t != null) {
                torchTotal += t * sh.count();
            }
            for (String m : methods) {
                Double v = ms.get(m);
                row.add(v == null || t == null ? "–" : String.format(Locale.ROOT, "%.2f", v / t));
            }
            row.add(best);
            bestSum += ms.get(best) * sh.count();
            table.append("| ").append(String.join(" | ", row)).append(" |\n");
            System.out.println("ROW | " + String.join(" | ", row) + " |");
        }
        System.out.println();
        System.out.print(table);
        System.out.printf(Locale.ROOT, "%nTotals over the network at %dx%d (ms, each shape × its count; a method not applicable to a shape counts as layer):%n", h, w);
        for (Map.Entry<String, Double> e : totals.entrySet()) {
            System.out.printf(Locale.ROOT, "  %-8s %8.1f%s%n", e.getKey(), e.getValue(),
                    torchMs == null ? "" : String.format(Locale.ROOT, "  (%.2f× torch)", e.getValue() / torchTotal));
        }
        System.out.printf(Locale.ROOT, "  %-8s %8.1f%s%n", "best", bestSum,
                torchMs == null ? "" : String.format(Locale.ROOT, "  (%.2f× torch)", bestSum / torchTotal));
        if (torchMs != null) {
            System.out.printf(Locale.ROOT, "  %-8s %8.1f%n", "torch", torchTotal);
        }
    }

    /** Inference forward of RetinaNet-R50-FPN (80 classes) at batch 1 against torchvision's, same thread count. */
    private static void network(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String sizesArg = args.length > 2 ? args[2] : "800x1344";
        boolean torch = !(args.length > 3 && args[3].equals("notorch"));
        int threads = Runtime.getRuntime().availableProcessors();
        for (String s : sizesArg.split(",")) {
            int h = Integer.parseInt(s.split("x")[0]);
            int w = Integer.parseInt(s.split("x")[1]);
            RetinaNetConfig cfg = new RetinaNetConfig.Builder(80).backbone(ResNetConfig.of(50))
                    .fpn(FpnConfig.torchvision()).head(HeadConfig.paper()).classLoss(new SigmoidFocalLoss())
                    .boxLoss(new L1Loss()).build();
            ComputationGraph graph = RetinaNet.build(cfg);
            INDArray x = Nd4j.randn(DataType.FLOAT, 1, 3, h, w);
            double[] t = new double[iterations];
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                graph.output(false, x);
                if (i >= warmup) {
                    t[i - warmup] = (System.nanoTime() - t0) / 1e9;
                }
            }
            double dl4j = BenchStats.median(t);
            System.out.printf(Locale.ROOT, "RetinaNet R50-FPN %dx%d inference b1: %s s, median %.3f s (load %s)%n", h, w,
                    Arrays.toString(t), dl4j, BenchStats.loadAverage());
            if (torch) {
                Map<String, Double> r = BenchStats.pythonResults("  torchvision: ", NETWORK_SCRIPT, String.valueOf(h),
                        String.valueOf(w), String.valueOf(warmup), String.valueOf(iterations), String.valueOf(threads));
                if (r != null && r.containsKey("forward")) {
                    System.out.printf(Locale.ROOT, "  torchvision %.3f s: ratio %.2f×%n", r.get("forward"), dl4j / r.get("forward"));
                }
            }
        }
    }

    /** torchvision retinanet_resnet50_fpn's backbone + head forward at batch 1 (ModelBenchmark's layout). */
    private static final String NETWORK_SCRIPT = String.join("\n",
            "import sys, time, statistics, torch, torchvision",
            "from torchvision.ops import misc",
            "from torchvision.ops.feature_pyramid_network import LastLevelP6P7",
            "from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor",
            "from torchvision.models.detection.retinanet import RetinaNet",
            "h, w, warm, iters, threads = map(int, sys.argv[1:6])",
            "torch.set_num_threads(threads); torch.manual_seed(0)",
            "body = torchvision.models.resnet50(weights=None, norm_layer=misc.FrozenBatchNorm2d)",
            "backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(256, 256))",
            "model = RetinaNet(backbone, 80, min_size=min(h, w), max_size=max(h, w)).eval()",
            "x = torch.randn(1, 3, h, w)",
            "ts = []",
            "with torch.no_grad():",
            "    for i in range(warm + iters):",
            "        t = time.perf_counter(); f = model.backbone(x); model.head(list(f.values())); ts.append(time.perf_counter() - t)",
            "print('forward', [round(t, 3) for t in ts[warm:]])",
            "print('RESULT forward', statistics.median(ts[warm:]))");

    /** The distinct shapes of the graph's DL4J convolutions and of the shared heads (SharedHeadGraphVertex, Conv2dOp). */
    static List<Shape> shapes(ComputationGraphConfiguration conf, RetinaNetConfig cfg, int h, int w) {
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(h, w, 3));
        Map<String, Shape> distinct = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            Layer l = lv.getLayerConf().getLayer();
            if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getUnderlying();
            } else if (l instanceof FrozenLayer f) {
                l = f.getLayer();
            }
            if (!(l instanceof ConvolutionLayer c)) {
                continue;
            }
            if (c.getConvolutionMode() != ConvolutionMode.Truncate || c.getKernelSize()[0] != c.getKernelSize()[1]
                    || c.getStride()[0] != c.getStride()[1] || c.getPadding()[0] != c.getPadding()[1]) {
                throw new IllegalStateException("ConvBenchmark: unexpected convolution " + e.getKey() + ": " + c);
            }
            String input = conf.getVertexInputs().get(e.getKey()).get(0);
            InputType.InputTypeConvolutional it = (InputType.InputTypeConvolutional) (types.containsKey(input)
                    ? types.get(input) : InputType.convolutional(h, w, 3));
            String name = e.getKey();
            String role = name.contains("fpn") ? (name.contains("inner") || name.contains("lateral") ? "fpn lateral"
                    : name.contains("extra") ? "fpn p6/p7" : "fpn out")
                    : c.getKernelSize()[0] == 7 ? "stem"
                    : name.contains("downsample") ? "downsample"
                    : c.getKernelSize()[0] == 3 ? "3×3"
                    : name.endsWith("conv1") ? "1×1 reduce" : "1×1 expand";
            // after folding batch norm, bottleneck conv1/conv2 and the stem carry the ReLU of their BN
            boolean relu = c.getActivationFn() instanceof ActivationReLU;
            Shape s = new Shape(role, (int) c.getNIn(), (int) c.getNOut(), c.getKernelSize()[0], c.getStride()[0],
                    c.getPadding()[0], (int) it.getHeight(), (int) it.getWidth(), relu, false, 1);
            distinct.merge(s.key(), s, (a, b) -> new Shape(a.role(), a.in(), a.out(), a.k(), a.stride(), a.pad(),
                    a.h(), a.w(), a.relu(), false, a.count() + 1));
        }
        HeadConfig hc = cfg.head();
        int ch = cfg.fpn().channels();
        for (int stride = 8; stride <= 128; stride *= 2) {
            int lh = (h + stride - 1) / stride;
            int lw = (w + stride - 1) / stride;
            distinct.put("head" + stride, new Shape("head conv", ch, hc.channels(), 3, 1, 1, lh, lw, true, true,
                    2 * hc.numConvs()));
            distinct.put("cls" + stride, new Shape("head cls", hc.channels(), hc.numAnchors() * cfg.numClasses(), 3, 1,
                    1, lh, lw, false, true, 1));
            distinct.put("box" + stride, new Shape("head box", hc.channels(), hc.numAnchors() * 4, 3, 1, 1, lh, lw,
                    false, true, 1));
        }
        return new ArrayList<>(distinct.values());
    }

    /** Median milliseconds per method (null: not applicable); outputs checked against the layer path. */
    private static Map<String, Double> time(Shape s, int warmup, int iterations, List<String> methods) {
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, s.in(), s.h(), s.w()).subi(0.5);
        INDArray wOiyx = Nd4j.rand(DataType.FLOAT, s.out(), s.in(), s.k(), s.k()).subi(0.5).muli(2 / Math.sqrt(s.in() * s.k() * s.k()));
        INDArray b = Nd4j.rand(DataType.FLOAT, s.out()).subi(0.5);
        INDArray wYxio = wOiyx.permute(2, 3, 1, 0).dup('c');
        INDArray wOyxi = wOiyx.permute(0, 2, 3, 1).dup('c');
        int oh = s.outH();
        int ow = s.outW();
        INDArray outLayer = Nd4j.createUninitialized(DataType.FLOAT, 1, s.out(), oh, ow);
        Map<String, Runnable> runs = new LinkedHashMap<>();
        runs.put("layer", () -> {
            conv2d(x, s.headLayout() ? wYxio : wOiyx, b, outLayer, s, 0, s.headLayout() ? 0 : 1);
            relu(outLayer, s);
        });
        Map<String, INDArray> outs = new LinkedHashMap<>();
        for (String m : methods) {
            if (m.equals("layer")) {
                continue;
            }
            INDArray o = Nd4j.createUninitialized(DataType.FLOAT, 1, s.out(), oh, ow);
            switch (m) {
                case "yxio" -> runs.put(m, () -> {
                    conv2d(x, wYxio, b, o, s, 0, 0);
                    relu(o, s);
                });
                case "oyxi" -> runs.put(m, () -> {
                    conv2d(x, wOyxi, b, o, s, 0, 2);
                    relu(o, s);
                });
                case "nhwc" -> {
                    INDArray xn = x.permute(0, 2, 3, 1).dup('c');
                    INDArray on = Nd4j.createUninitialized(DataType.FLOAT, 1, oh, ow, s.out());
                    runs.put(m, () -> {
                        conv2d(xn, wOiyx, b, on, s, 1, 1);
                        relu(on, s);
                    });
                    outs.put(m, on);   // compared after permuting back
                    continue;
                }
                case "nhwc-perm" -> {
                    INDArray xn = Nd4j.createUninitialized(DataType.FLOAT, 1, s.h(), s.w(), s.in());
                    INDArray on = Nd4j.createUninitialized(DataType.FLOAT, 1, oh, ow, s.out());
                    runs.put(m, () -> {
                        Nd4j.exec(new Identity(x.permute(0, 2, 3, 1), xn));
                        conv2d(xn, wOiyx, b, on, s, 1, 1);
                        Nd4j.exec(new Identity(on.permute(0, 3, 1, 2), o));
                        relu(o, s);
                    });
                }
                case "gemm", "matmul" -> {
                    if (s.k() != 1 || s.pad() != 0) {
                        continue;
                    }
                    INDArray w2 = wOiyx.reshape('c', s.out(), s.in());
                    INDArray o2 = o.reshape('c', s.out(), (long) oh * ow);
                    INDArray scratch = s.stride() == 1 ? null : Nd4j.createUninitialized(DataType.FLOAT, 1, s.in(), oh, ow);
                    Supplier<INDArray> x2 = () -> {
                        if (s.stride() == 1) {
                            return x.reshape('c', s.in(), (long) s.h() * s.w());
                        }
                        INDArray sub = x.get(NDArrayIndex.all(), NDArrayIndex.all(),
                                NDArrayIndex.interval(0, s.stride(), s.h()), NDArrayIndex.interval(0, s.stride(), s.w()));
                        Nd4j.exec(new Identity(sub, scratch));
                        return scratch.reshape('c', s.in(), (long) oh * ow);
                    };
                    INDArray bCol = b.reshape(s.out(), 1);
                    if (m.equals("gemm")) {
                        runs.put(m, () -> {
                            INDArray xx = x2.get();
                            o2.assign(bCol.broadcast(s.out(), (long) oh * ow));
                            Nd4j.gemm(w2, xx, o2, false, false, 1.0, 1.0);
                            relu(o, s);
                        });
                    } else {
                        runs.put(m, () -> {
                            INDArray xx = x2.get();
                            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(w2, xx).addOutputs(o2).build());
                            o2.addiColumnVector(bCol);
                            relu(o, s);
                        });
                    }
                }
                default -> throw new IllegalArgumentException("unknown method " + m);
            }
            outs.put(m, o);
        }
        // round robin: every iteration runs each method once, so load changes of the shared machine hit all alike
        Map<String, double[]> t = new LinkedHashMap<>();
        runs.keySet().forEach(k -> t.put(k, new double[iterations]));
        for (int i = 0; i < warmup + iterations; i++) {
            for (Map.Entry<String, Runnable> r : runs.entrySet()) {
                long t0 = System.nanoTime();
                r.getValue().run();
                if (i >= warmup) {
                    t.get(r.getKey())[i - warmup] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        Map<String, Double> ms = new LinkedHashMap<>();
        StringBuilder mins = new StringBuilder();
        t.forEach((k, v) -> {
            ms.put(k, BenchStats.median(v));
            mins.append(String.format(Locale.ROOT, " %s %.2f", k, Arrays.stream(v).min().orElseThrow()));
        });
        StringBuilder check = new StringBuilder();
        for (Map.Entry<String, INDArray> o : outs.entrySet()) {
            INDArray v = o.getKey().equals("nhwc") ? o.getValue().permute(0, 3, 1, 2) : o.getValue();
            double d = v.sub(outLayer).amaxNumber().doubleValue();
            check.append(String.format(Locale.ROOT, " %s %.1e", o.getKey(), d));
        }
        System.out.printf(Locale.ROOT, "  %-12s %s: median %s; min%s; max |Δ| vs layer:%s%n", s.role(), s.key(), ms,
                mins, check);
        return ms;
    }

    private static void conv2d(INDArray x, INDArray w, INDArray b, INDArray out, Shape s, int dataFormat, int weightFormat) {
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, b).addOutputs(out)
                .addIntegerArguments(s.k(), s.k(), s.stride(), s.stride(), s.pad(), s.pad(), 1, 1, 0, dataFormat, weightFormat)
                .build());
    }

    private static void relu(INDArray a, Shape s) {
        if (s.relu()) {
            Nd4j.exec(new RectifiedLinear(a, a, 0.0));
        }
    }

    /** torch.nn.functional.conv2d (+ relu_) milliseconds per shape key, or null when torch is not available. */
    private static Map<String, Double> torchTimes(List<Shape> shapes, int warmup, int iterations, int threads)
            throws Exception {
        List<String> args = new ArrayList<>(List.of(String.valueOf(warmup), String.valueOf(iterations),
                String.valueOf(threads)));
        for (Shape s : shapes) {
            args.add(s.in() + "," + s.out() + "," + s.k() + "," + s.stride() + "," + s.pad() + "," + s.h() + ","
                    + s.w() + "," + (s.relu() ? 1 : 0) + "," + s.key());
        }
        return BenchStats.pythonResults("  torch: ", TORCH_SCRIPT, args.toArray(String[]::new));
    }

    private static final String TORCH_SCRIPT = String.join("\n",
            "import sys, time, statistics, torch",
            "import torch.nn.functional as F",
            "warm, iters, threads = map(int, sys.argv[1:4])",
            "torch.set_num_threads(threads); torch.manual_seed(0)",
            "print('torch', torch.__version__, 'threads', torch.get_num_threads(), 'mkldnn', torch.backends.mkldnn.is_available())",
            "with torch.no_grad():",
            "    for spec in sys.argv[4:]:",
            "        cin, cout, k, s, p, h, w, relu = map(int, spec.split(',')[:8]); key = spec.split(',')[8]",
            "        x = torch.rand(1, cin, h, w) - 0.5",
            "        wt = (torch.rand(cout, cin, k, k) - 0.5) * (2 / (cin * k * k) ** 0.5)",
            "        b = torch.rand(cout) - 0.5",
            "        ts = []",
            "        for i in range(warm + iters):",
            "            t = time.perf_counter()",
            "            y = F.conv2d(x, wt, b, stride=s, padding=p)",
            "            if relu: y.relu_()",
            "            ts.append((time.perf_counter() - t) * 1e3)",
            "        print('RESULT', key, statistics.median(ts[warm:]))");
}
