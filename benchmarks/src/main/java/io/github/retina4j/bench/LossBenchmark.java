package io.github.retina4j.bench;

import io.github.retina4j.losses.EqualizationFocalLoss;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.GumbelLoss;
import io.github.retina4j.losses.IifFocalLoss;
import io.github.retina4j.losses.PisaLoss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Score + gradient of the dense classification losses as the detectors' output layer asks for them in a training step
 * (one {@code computeGradientAndScore} call inside the layer's workspace: {@code SinglePassLossLayer}, DESIGN §10.13),
 * on float32 logits of the shape the layer passes, [N·A, C]:
 * <ul>
 *   <li>{@code 240000x80}: RetinaNet on COCO, 2 images at 800×1333 (~120 000 anchors each, DESIGN §8);</li>
 *   <li>{@code 98208x1203}: RetinaNet on LVIS, 2 images at 512×512 (49 104 anchors each, 1203 classes).</li>
 * </ul>
 * Baselines measured in the same run, on arrays of the same shape: three in-place adds ({@code a.addi(b)} three
 * times: DESIGN §8's "a few passes over memory") and DL4J's stock {@code LossBinaryXENT} (sigmoid activation, which it
 * applies to a copy as an output layer does); and, where Debian's torch is installed, torchvision's
 * {@code sigmoid_focal_loss} forward + autograd backward on the same shape with the same thread count.
 * The long-tail losses run on the same data: {@code IifFocalLoss} with ln(1/f_c) weights of EQL-focal's frequencies,
 * {@code GumbelLoss} (clamped, the default), and {@code PisaLoss} on [R, C + 4] (the same logits, random box deltas and
 * targets, 20 ground truths per image).
 * The layer also hands the loss a fresh copy of the logits; that copy is DL4J's cost, not the loss's, and is left
 * out here.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp <classpath> io.github.retina4j.bench.LossBenchmark
 * [forks=1] [warmups=2] [iterations=3] [benchmark regex] [shapes=240000x80,98208x1203] [kernels=vector]}. The
 * {@code kernels} list may add {@code scalar}: the losses' scalar kernel ({@code -Dretina4j.losses.vector=false}) in
 * the same run. Prints the JMH table, then per shape each loss's time and its ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(1)
public class LossBenchmark {

    /** ~0.1% positive anchors and ~1% ignored ones, typical of RetinaNet assignment. */
    static final double POSITIVE_FRACTION = 0.001;
    static final double IGNORED_FRACTION = 0.01;
    static final String[] DEFAULT_SHAPES = {"240000x80", "98208x1203"};
    /** The losses' switch between their vector and scalar kernels (FocalVectorSupport.PROPERTY). */
    static final String KERNEL_PROPERTY = "retina4j.losses.vector";

    /** [rows, classes] of the loss input, "RxC". */
    @Param({"240000x80", "98208x1203"})
    public String shape;
    /** "vector" (the default where the JVM has the Vector API) or "scalar". */
    @Param({"vector"})
    public String kernel;

    INDArray logits;
    INDArray labels;
    INDArray mask;
    INDArray a;
    INDArray b;
    INDArray c;
    final IActivation identity = new ActivationIdentity();
    final IActivation sigmoid = new ActivationSigmoid();
    SigmoidFocalLoss focal;
    EqualizedFocalLoss efl;
    EqualizationFocalLoss eqlFocal;
    IifFocalLoss iifFocal;
    GumbelLoss gumbel;
    PisaLoss pisa;
    /** PISA's joint input: [R, C + 4] logits and box deltas, [R, C + 5] labels, box targets and group. */
    INDArray pisaOutput;
    INDArray pisaLabels;
    LossBinaryXENT xent;
    /** Like the workspace DL4J's layers compute in during training: memory reused from the second call on. */
    static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT).policySpill(SpillPolicy.REALLOCATE).build();

    static int[] parseShape(String s) {
        String[] p = s.split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("shape must be ROWSxCLASSES, got " + s);
        }
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        System.setProperty(KERNEL_PROPERTY, String.valueOf(!kernel.equals("scalar")));
        int[] rc = parseShape(shape);
        int rows = rc[0];
        int classes = rc[1];
        Nd4j.getRandom().setSeed(42);
        logits = Nd4j.randn(DataType.FLOAT, rows, classes).muli(2).subi(4);
        float[] lab = new float[rows * classes];
        float[] m = new float[rows];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < rows; i++) {
            double u = r.nextDouble();
            m[i] = 1f;
            if (u < POSITIVE_FRACTION) {
                lab[i * classes + r.nextInt(classes)] = 1f;
            } else if (u < POSITIVE_FRACTION + IGNORED_FRACTION) {
                m[i] = 0f;
            }
        }
        labels = Nd4j.createFromArray(lab).reshape(rows, classes);
        mask = Nd4j.createFromArray(m).reshape(rows, 1);
        a = Nd4j.rand(DataType.FLOAT, rows, classes);
        b = Nd4j.rand(DataType.FLOAT, rows, classes);
        c = Nd4j.rand(DataType.FLOAT, rows, classes);
        focal = new SigmoidFocalLoss();
        // EFL after some training: per-class statistics spread γ_j over [2, 10] (s = 8) instead of the all-2 start
        efl = new EqualizedFocalLoss(classes);
        double[] pos = new double[classes];
        double[] neg = new double[classes];
        double[] posNeg = new double[classes];
        for (int j = 0; j < classes; j++) {
            pos[j] = r.nextDouble();
            neg[j] = 1 + r.nextDouble();
            posNeg[j] = Math.min(1.0, pos[j] / neg[j]);
        }
        efl.setState(pos, neg, posNeg);
        // EQL-focal with LVIS-like image frequencies (log-uniform in [1e-4, 0.5]): about a fifth of the classes
        // fall below the default λ
        double[] freq = new double[classes];
        for (int j = 0; j < classes; j++) {
            freq[j] = Math.exp(Math.log(1e-4) + (Math.log(0.5) - Math.log(1e-4)) * r.nextDouble());
        }
        eqlFocal = new EqualizationFocalLoss(EqualizationFocalLoss.DEFAULT_LAMBDA, freq);
        // IIF weights ln(1/f) of the same frequencies (InverseImageFrequency's raw variant)
        double[] iif = new double[classes];
        for (int j = 0; j < classes; j++) {
            iif[j] = Math.log(1 / freq[j]);
        }
        iifFocal = new IifFocalLoss(iif);
        gumbel = new GumbelLoss();
        pisa = new PisaLoss();
        xent = new LossBinaryXENT();
        if (!params.getBenchmark().endsWith(".pisa")) {
            return;
        }
        // the focal columns as above, then random deltas; a positive's box target, and its ground-truth group
        // (image = row half, one of 20 boxes per image)
        pisaOutput = Nd4j.hstack(logits, Nd4j.randn(DataType.FLOAT, rows, 4).muli(0.5));
        float[] pl = new float[rows * (classes + 5)];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < classes; j++) {
                pl[i * (classes + 5) + j] = lab[i * classes + j];
            }
            for (int j = 0; j < 4; j++) {
                pl[i * (classes + 5) + classes + j] = (float) (0.5 * r.nextGaussian());
            }
            pl[i * (classes + 5) + classes + 4] = (i < rows / 2 ? 0 : 100) + r.nextInt(20);
        }
        pisaLabels = Nd4j.createFromArray(pl).reshape(rows, classes + 5);
    }

    private INDArray step(ILossFunction loss, IActivation activation, boolean copy) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "LOSS_BENCHMARK")) {
            org.nd4j.common.primitives.Pair<Double, INDArray> r =
                    loss.computeGradientAndScore(labels, copy ? logits.dup() : logits, activation, mask, false);
            return r.getFirst() > Double.MAX_VALUE ? null : r.getSecond();
        }
    }

    @Benchmark
    public INDArray focal() {
        return step(focal, identity, false);
    }

    @Benchmark
    public INDArray equalizedFocal() {
        return step(efl, identity, false);
    }

    @Benchmark
    public INDArray equalizationFocal() {
        return step(eqlFocal, identity, false);
    }

    @Benchmark
    public INDArray iifFocal() {
        return step(iifFocal, identity, false);
    }

    @Benchmark
    public INDArray gumbel() {
        return step(gumbel, identity, false);
    }

    /** Focal + smooth L1 with ISR-P and CARL on [R, C + 4] (C class columns as the others, 4 box columns). */
    @Benchmark
    public INDArray pisa() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "LOSS_BENCHMARK")) {
            org.nd4j.common.primitives.Pair<Double, INDArray> r =
                    pisa.computeGradientAndScore(pisaLabels, pisaOutput, identity, mask, false);
            return r.getFirst() > Double.MAX_VALUE ? null : r.getSecond();
        }
    }

    /** DL4J's stock sigmoid BCE; it applies the activation in place, so it gets a copy like an output layer gives. */
    @Benchmark
    public INDArray binaryXent() {
        return step(xent, sigmoid, true);
    }

    /** DESIGN §8's reference: three passes over memory, each an in-place add of two arrays of the loss's shape. */
    @Benchmark
    public INDArray threeMemoryPasses() {
        return a.addi(b).addi(c).addi(b);
    }

    /** torchvision's sigmoid_focal_loss, mask and normaliser as above; forward + backward, RESULT shape ms. */
    static final String TORCH_SCRIPT = String.join("\n",
            "import sys, time, torch",
            "from torchvision.ops import sigmoid_focal_loss",
            "threads, warmup, iters = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])",
            "torch.set_num_threads(threads)",
            "torch.manual_seed(42)",
            "for shape in sys.argv[4].split(','):",
            "    rows, classes = (int(v) for v in shape.split('x'))",
            "    x = (torch.randn(rows, classes) * 2 - 4).requires_grad_()",
            "    u = torch.rand(rows)",
            "    y = torch.zeros(rows, classes)",
            "    pos = (u < " + POSITIVE_FRACTION + ").nonzero().flatten()",
            "    y[pos, torch.randint(classes, (len(pos),))] = 1",
            "    m = (u >= " + (POSITIVE_FRACTION + IGNORED_FRACTION) + ").float() + (u < " + POSITIVE_FRACTION + ").float()",
            "    z = max(1.0, float(len(pos)))",
            "    times = []",
            "    for i in range(warmup + iters):",
            "        x.grad = None",
            "        t = time.perf_counter()",
            "        loss = (sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0, reduction='none') * m[:, None]).sum() / z",
            "        loss.backward()",
            "        times.append(time.perf_counter() - t)",
            "    times = sorted(times[warmup:])",
            "    print('RESULT', shape, 1000 * times[len(times) // 2])",
            "    del x, y, m, loss");

    public static void main(String[] args) throws Exception {
        int forks = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String only = args.length > 3 ? args[3] : "";
        String[] shapes = args.length > 4 ? args[4].split(",") : DEFAULT_SHAPES;
        String[] kernels = args.length > 5 ? args[5].split(",") : new String[]{"vector"};
        for (String s : shapes) {
            parseShape(s);
        }
        int threads = Runtime.getRuntime().availableProcessors();
        String loadBefore = BenchStats.loadAverage();
        System.out.printf(Locale.ROOT, "LossBenchmark: %d threads, shapes %s, kernels %s, load average %s%n", threads,
                String.join(",", shapes), String.join(",", kernels), loadBefore);
        ChainedOptionsBuilder opt = new OptionsBuilder().include(LossBenchmark.class.getName() + "\\." + only)
                .forks(forks).warmupIterations(warmups).measurementIterations(iterations)
                .param("shape", shapes).param("kernel", kernels)
                .jvmArgsAppend("--add-modules", "jdk.incubator.vector", "-Xmx4g",
                        "-Dorg.bytedeco.javacpp.maxbytes=14G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=18G");
        Collection<RunResult> results = new Runner(opt.build()).run();
        // shape → kernel → benchmark → ms/op
        Map<String, Map<String, Map<String, Double>>> ms = new LinkedHashMap<>();
        for (RunResult rr : results) {
            String name = rr.getParams().getBenchmark();
            ms.computeIfAbsent(rr.getParams().getParam("shape"), k -> new LinkedHashMap<>())
                    .computeIfAbsent(rr.getParams().getParam("kernel"), k -> new LinkedHashMap<>())
                    .put(name.substring(name.lastIndexOf('.') + 1), rr.getPrimaryResult().getScore());
        }
        Map<String, Double> torch = only.isEmpty() || "focal".matches(only)
                ? BenchStats.pythonResults("torch: ", TORCH_SCRIPT, String.valueOf(threads), String.valueOf(warmups),
                String.valueOf(Math.max(3, iterations)), String.join(",", shapes))
                : null;
        List<String> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<String, Double>>> s : ms.entrySet()) {
            for (Map.Entry<String, Map<String, Double>> k : s.getValue().entrySet()) {
                Map<String, Double> t = k.getValue();
                double mem = t.getOrDefault("threeMemoryPasses", Double.NaN);
                double xent = t.getOrDefault("binaryXent", Double.NaN);
                for (Map.Entry<String, Double> e : t.entrySet()) {
                    rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.2f× | %.2f× |", s.getKey(), k.getKey(),
                            e.getKey(), e.getValue(), e.getValue() / mem, e.getValue() / xent));
                }
            }
            Double torchMs = torch == null ? null : torch.get(s.getKey());
            if (torchMs != null) {
                Map<String, Double> first = s.getValue().values().iterator().next();
                rows.add(String.format(Locale.ROOT, "| %s | torch %s threads | torchvision sigmoid_focal_loss | %.1f | %.2f× | %.2f× |",
                        s.getKey(), threads, torchMs, torchMs / first.getOrDefault("threeMemoryPasses", Double.NaN),
                        torchMs / first.getOrDefault("binaryXent", Double.NaN)));
            }
        }
        System.out.printf(Locale.ROOT, "%nScore + gradient, float32 [rows, classes], ms/op (load average before %s, after %s):%n",
                loadBefore, BenchStats.loadAverage());
        System.out.println("| shape | kernel | loss | ms | vs 3 in-place adds | vs LossBinaryXENT |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }
}
