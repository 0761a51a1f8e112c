package io.github.retina4j.bench;

import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Forward + backward (computeScore + computeGradient, as DL4J's output layer calls them) of the focal
 * and equalized focal losses on RetinaNet-sized class logits [2, 80, 120 000] float32, i.e. the
 * [240 000, 80] arrays {@code RnnLossLayer} passes, against two baselines measured in the same run:
 * DL4J's stock {@code LossBinaryXENT} (sigmoid activation) on the same arrays, and DESIGN §8's
 * "3 passes over memory" (three in-place {@code addi} over arrays of that size).
 *
 * <p>Run: {@code java -cp <classpath> io.github.retina4j.bench.LossBenchmark [forks warmups iterations [regex]]}
 * (prints the JMH table, then the ratios).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(1)
public class LossBenchmark {

    /** RetinaNet on COCO: 2 images, 80 classes, ~120 000 anchors per image at 800×1333 (DESIGN §8). */
    static final int IMAGES = 2;
    static final int CLASSES = 80;
    static final int ANCHORS = 120_000;
    /** ~0.1% positive anchors and ~1% ignored ones, typical of RetinaNet assignment. */
    static final double POSITIVE_FRACTION = 0.001;
    static final double IGNORED_FRACTION = 0.01;

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
    LossBinaryXENT xent;

    @Setup(Level.Trial)
    public void setUp() {
        Nd4j.getRandom().setSeed(42);
        long rows = (long) IMAGES * ANCHORS;
        logits = Nd4j.randn(DataType.FLOAT, rows, CLASSES).muli(2).subi(4);
        labels = Nd4j.zeros(DataType.FLOAT, rows, CLASSES);
        mask = Nd4j.ones(DataType.FLOAT, rows, 1);
        java.util.Random r = new java.util.Random(7);
        for (long i = 0; i < rows; i++) {
            double u = r.nextDouble();
            if (u < POSITIVE_FRACTION) {
                labels.putScalar(i, r.nextInt(CLASSES), 1.0);
            } else if (u < POSITIVE_FRACTION + IGNORED_FRACTION) {
                mask.putScalar(i, 0, 0.0);
            }
        }
        a = Nd4j.rand(DataType.FLOAT, rows, CLASSES);
        b = Nd4j.rand(DataType.FLOAT, rows, CLASSES);
        c = Nd4j.rand(DataType.FLOAT, rows, CLASSES);
        focal = new SigmoidFocalLoss();
        efl = new EqualizedFocalLoss(CLASSES);
        xent = new LossBinaryXENT();
    }

    @Benchmark
    public INDArray focal() {
        double s = focal.computeScore(labels, logits, identity, mask, false);
        INDArray g = focal.computeGradient(labels, logits, identity, mask);
        return s > Double.MAX_VALUE ? null : g;
    }

    @Benchmark
    public INDArray equalizedFocal() {
        double s = efl.computeScore(labels, logits, identity, mask, false);
        INDArray g = efl.computeGradient(labels, logits, identity, mask);
        return s > Double.MAX_VALUE ? null : g;
    }

    /** DL4J's stock sigmoid BCE; it applies the activation to a copy like an output layer does. */
    @Benchmark
    public INDArray binaryXent() {
        double s = xent.computeScore(labels, logits.dup(), sigmoid, mask, false);
        INDArray g = xent.computeGradient(labels, logits.dup(), sigmoid, mask);
        return s > Double.MAX_VALUE ? null : g;
    }

    /** DESIGN §8's reference: three passes over memory, each an in-place add of two [240 000, 80] arrays. */
    @Benchmark
    public INDArray threeMemoryPasses() {
        return a.addi(b).addi(c).addi(b);
    }

    public static void main(String[] args) throws Exception {
        int forks = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String only = args.length > 3 ? args[3] : "";
        Options opt = new OptionsBuilder().include(LossBenchmark.class.getName() + "\\." + only)
                .forks(forks).warmupIterations(warmups).measurementIterations(iterations)
                .jvmArgsAppend("-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G")
                .build();
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Double> ms = new HashMap<>();
        for (RunResult rr : results) {
            String name = rr.getParams().getBenchmark();
            ms.put(name.substring(name.lastIndexOf('.') + 1), rr.getPrimaryResult().getScore());
        }
        double xent = ms.getOrDefault("binaryXent", Double.NaN);
        double mem = ms.getOrDefault("threeMemoryPasses", Double.NaN);
        System.out.printf("%nLoss forward+backward on [%d, %d] float32 (= [%d, %d, %d] via RnnLossLayer), ms/op:%n",
                (long) IMAGES * ANCHORS, CLASSES, IMAGES, CLASSES, ANCHORS);
        for (String k : ms.keySet()) {
            System.out.printf("  %-18s %9.1f ms   %6.2f x LossBinaryXENT   %6.2f x 3 memory passes%n",
                    k, ms.get(k), ms.get(k) / xent, ms.get(k) / mem);
        }
    }
}
