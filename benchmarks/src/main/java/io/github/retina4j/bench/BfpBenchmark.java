package io.github.retina4j.bench;

import io.github.retina4j.models.fpn.AdaptiveMaxPoolVertex;
import io.github.retina4j.models.fpn.BalancedFeaturePyramid;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.NearestResizeVertex;
import io.github.retina4j.models.fpn.NonLocalBlockVertex;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Locale;

/**
 * Balanced feature pyramid gather/scatter speed: the run-time resize vertices ({@code AdaptiveMaxPoolVertex},
 * {@code NearestResizeVertex}, used by {@link BalancedFeaturePyramid} for any padded size) against the baseline of
 * DL4J's {@code SubsamplingLayer} (max, kernel = stride = 2^k) and {@code Upsampling2D}, the stock layers, which
 * are exact only when inputs are padded to 128. Baseline and resize-vertex graph are measured in the same run at
 * 128-divisible sizes; at 800×1344 (padded to 32) only the resize-vertex graph can run.
 *
 * <p>Per size, float32, 256 channels, batch 1 (inference) and forward + backward (training step without
 * update, external gradients at the outputs): (a) "resize": the BFP without the non-local refinement (gather,
 * average, scatter, residual add) — the part the two graphs build differently; (b) "bfp": the whole BFP with the non-local block;
 * each without DL4J workspaces ({@link RetinaNet#WORKSPACES_WITH_SAMEDIFF}) and with them (as Libra RetinaNet runs,
 * {@link RetinaNet#WORKSPACES}). Run with a bounded native heap, e.g. {@code -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=3g
 * -Dorg.bytedeco.javacpp.maxphysicalbytes=6g}: without workspaces ND4J frees native memory only through the GC,
 * and an unbounded run grew to 20 GB resident here.
 * Run: {@code java ... BfpBenchmark [warmup=3] [iterations=10] [sizes=512x512,768x1280,800x1344]}.
 */
public final class BfpBenchmark {
    private static final int CHANNELS = 256;

    private BfpBenchmark() {
    }

    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String sizes = args.length > 2 ? args[2] : "512x512,768x1280,800x1344";
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        System.out.printf(Locale.ROOT, "BfpBenchmark: %d threads, warmup %d, %d iterations (median), load %s%n",
                Runtime.getRuntime().availableProcessors(), warmup, iterations, BenchStats.loadAverage());
        System.out.println("| input | graph | workspaces | baseline fwd (ms) | new fwd (ms) | ratio | baseline fwd+bwd (ms) | new fwd+bwd (ms) | ratio |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (String s : sizes.split(",")) {
            int h = Integer.parseInt(s.split("x")[0]), w = Integer.parseInt(s.split("x")[1]);
            INDArray[] levels = new INDArray[5];
            for (int l = 0; l < 5; l++) {
                int stride = 8 << l;
                levels[l] = Nd4j.randn(DataType.FLOAT, 1, CHANNELS, (h + stride - 1) / stride, (w + stride - 1) / stride);
            }
            boolean baselineExact = h % 128 == 0 && w % 128 == 0;
            for (boolean refine : new boolean[]{false, true}) {
                for (WorkspaceMode mode : new WorkspaceMode[]{RetinaNet.WORKSPACES_WITH_SAMEDIFF, WorkspaceMode.ENABLED}) {
                    ComputationGraph[] graphs = baselineExact
                            ? new ComputationGraph[]{graph(true, refine, mode), graph(false, refine, mode)}
                            : new ComputationGraph[]{graph(false, refine, mode)};
                    double[][] t = time(graphs, levels, warmup, iterations);
                    double[] newT = t[graphs.length - 1], oldT = baselineExact ? t[0] : null;
                    System.out.printf(Locale.ROOT, "| %dx%d | %s | %s | %s | %.1f | %s | %s | %.1f | %s |%n", h, w,
                            refine ? "bfp" : "resize", mode, oldT == null ? "n/a" : fmt(oldT[0]), newT[0],
                            oldT == null ? "n/a" : fmt(newT[0] / oldT[0]), oldT == null ? "n/a" : fmt(oldT[1]),
                            newT[1], oldT == null ? "n/a" : fmt(newT[1] / oldT[1]));
                }
            }
        }
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /**
     * Per graph {forward ms, forward + backward ms}, medians. The graphs run interleaved within every iteration, so
     * that load from other processes and garbage-collection pauses (without workspaces, ND4J frees native memory
     * through the GC) fall on all of them alike.
     */
    private static double[][] time(ComputationGraph[] graphs, INDArray[] levels, int warmup, int iterations) {
        INDArray[] eps = new INDArray[levels.length];
        for (int l = 0; l < levels.length; l++) {
            eps[l] = Nd4j.randn(DataType.FLOAT, levels[l].shape());
        }
        double[][] fwd = new double[graphs.length][iterations], step = new double[graphs.length][iterations];
        System.gc();
        for (int i = 0; i < warmup + iterations; i++) {
            for (int k = 0; k < graphs.length; k++) {
                ComputationGraph g = graphs[k];
                long t0 = System.nanoTime();
                g.output(levels);
                long t1 = System.nanoTime();
                g.feedForward(levels, true, false);
                g.backpropGradient(eps);
                long t2 = System.nanoTime();
                if (i >= warmup) {
                    fwd[k][i - warmup] = (t1 - t0) / 1e6;
                    step[k][i - warmup] = (t2 - t1) / 1e6;
                }
            }
        }
        double[][] out = new double[graphs.length][];
        for (int k = 0; k < graphs.length; k++) {
            out[k] = new double[]{BenchStats.median(fwd[k]), BenchStats.median(step[k])};
        }
        return out;
    }

    private static ComputationGraph graph(boolean baseline, boolean refine, WorkspaceMode mode) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).updater(new NoOp())
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .graphBuilder();
        String[] in = {"p3", "p4", "p5", "p6", "p7"};
        b.addInputs(in);
        String[] out;
        if (!baseline && refine) {
            out = BalancedFeaturePyramid.addTo(b, in, CHANNELS, BfpConfig.paper());
        } else {
            out = baseline ? baselinePyramid(b, in, refine) : resizeOnly(b, in);
        }
        b.setOutputs(out);
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** The new gather/scatter without the non-local block (refine level P4). */
    private static String[] resizeOnly(ComputationGraphConfiguration.GraphBuilder b, String[] in) {
        String[] gathered = new String[in.length];
        for (int l = 0; l < in.length; l++) {
            gathered[l] = l == 1 ? in[l] : "gather." + l;
            if (l != 1) {
                b.addVertex(gathered[l], l < 1 ? new AdaptiveMaxPoolVertex()
                        : new NearestResizeVertex(), in[l], in[1]);
            }
        }
        b.addVertex("integrate", new ElementWiseVertex(ElementWiseVertex.Op.Average), gathered);
        String[] out = new String[in.length];
        for (int l = 0; l < in.length; l++) {
            String residual = "integrate";
            if (l != 1) {
                residual = "scatter." + l;
                b.addVertex(residual, l < 1 ? new NearestResizeVertex()
                        : new AdaptiveMaxPoolVertex(), "integrate", in[l]);
            }
            out[l] = "out." + l;
            b.addVertex(out[l], new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, in[l]);
        }
        return out;
    }

    /** The baseline from DL4J's stock layers: max pooling / upsampling by 2^|l − r|, exact at 128-divisible sizes. */
    private static String[] baselinePyramid(ComputationGraphConfiguration.GraphBuilder b, String[] in, boolean refine) {
        String[] gathered = new String[in.length];
        for (int l = 0; l < in.length; l++) {
            int factor = 1 << Math.abs(l - 1);
            gathered[l] = l == 1 ? in[l] : "gather." + l;
            if (l < 1) {
                b.addLayer(gathered[l], maxPool(factor), in[l]);
            } else if (l > 1) {
                b.addLayer(gathered[l], new Upsampling2D.Builder(factor).build(), in[l]);
            }
        }
        b.addVertex("integrate", new ElementWiseVertex(ElementWiseVertex.Op.Average), gathered);
        String refined = "integrate";
        if (refine) {
            b.addVertex("refine", new NonLocalBlockVertex(CHANNELS, CHANNELS, false), "integrate");
            refined = "refine";
        }
        String[] out = new String[in.length];
        for (int l = 0; l < in.length; l++) {
            int factor = 1 << Math.abs(l - 1);
            String residual = refined;
            if (l != 1) {
                residual = "scatter." + l;
                b.addLayer(residual, l < 1 ? new Upsampling2D.Builder(factor).build() : maxPool(factor), refined);
            }
            out[l] = "out." + l;
            b.addVertex(out[l], new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, in[l]);
        }
        return out;
    }

    private static SubsamplingLayer maxPool(int factor) {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(factor, factor)
                .stride(factor, factor).convolutionMode(ConvolutionMode.Truncate).build();
    }
}
