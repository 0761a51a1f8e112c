package io.github.retina4j.models.fpn;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.models.heads.SharedHeadVertex;
import io.github.retina4j.testsupport.Close;
import io.github.retina4j.testsupport.DoublePrecision;
import io.github.retina4j.testsupport.JsonArrays;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole-pyramid parity with torch: fixture {@code bfp.json} was generated once with Debian's torch 1.13
 * ({@code /usr/bin/python3}, CPU, float64, {@code torch.manual_seed(7)}) by re-implementing mmdetection's
 * {@code BFP.forward} (refine_level=1, refine_type='non_local') and {@code NonLocal2d} (embedded Gaussian,
 * reduction=1, use_scale=False) in a few lines: levels P3..P7 of a 96×160 input (12×20, 6×10, 3×5, 2×3, 1×2),
 * N = 2, C = 4, x_l = randn; 1×1 conv weights g/theta/phi/convOut = randn(C, C, 1, 1)·0.7 (torch layout
 * [out, in, 1, 1]), biases = randn(C)·0.1; gather = adaptive_max_pool2d (finer) / interpolate nearest (coarser) to
 * P4, mean, non-local, scatter = interpolate nearest (finer) / adaptive_max_pool2d (coarser), + x_l; loss =
 * Σ_l sum(out_l · W_l) with W_l = randn; stored outputs, gradients w.r.t. every level and every parameter.
 */
@DoublePrecision
class BalancedFeaturePyramidTest {
    private static final int C = 2;
    private static final int[] SIZES = {16, 8, 4, 2, 1};
    /** P3..P7 of a 96×160 input: not integer fractions of P4 beyond P5. */
    private static final int[][] ODD_SIZES = {{12, 20}, {6, 10}, {3, 5}, {2, 3}, {1, 2}};
    /** inputs p3..p7 → BFP → a predictor-only shared head → MSE loss. */
    private static ComputationGraph graph() {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder();
        String[] in = {"p3", "p4", "p5", "p6", "p7"};
        b.addInputs(in);
        String[] out = BalancedFeaturePyramid.addTo(b, in, C, BfpConfig.paper());
        // a predictor-only shared head (3×3 conv to 1 output) flattens all levels into one [N, 1, ΣHW] output
        b.addVertex("flat", new SharedHeadVertex(5, C, C, 0, 1, 1, "pred", 0.3, 0.0), out);
        b.addLayer("loss", new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build(), "flat");
        b.setOutputs("loss");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray[] levels(int n) {
        int[][] square = new int[SIZES.length][];
        for (int i = 0; i < SIZES.length; i++) {
            square[i] = new int[]{SIZES[i], SIZES[i]};
        }
        return levels(n, square);
    }

    private static INDArray[] levels(int n, int[][] sizes) {
        INDArray[] x = new INDArray[sizes.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = Nd4j.rand(DataType.DOUBLE, n, C, sizes[i][0], sizes[i][1]).subi(0.5);
        }
        return x;
    }

    @Test
    void addsExactlyTheNonLocalBlockParameters() {
        ComputationGraph g = graph();
        long head = 9L * C + 1;
        assertEquals(BalancedFeaturePyramid.numParams(C, BfpConfig.paper()) + head, g.params().length());
        assertEquals(4L * (256 * 256 + 256), BalancedFeaturePyramid.numParams(256, BfpConfig.paper()));
    }

    /**
     * With the zero-initialised output conv the refinement is the identity, so every output level must be
     * P_l + resize_l(mean_k gather_k(P_k)); checked element by element against a direct loop implementation of
     * adaptive max pooling / nearest interpolation at power-of-two ratios (the native fast paths).
     */
    @Test
    void atInitialisationOutputsAreLevelsPlusScatteredMeanOfGatheredLevels() {
        ComputationGraph g = graph();
        INDArray[] x = levels(1);
        Map<String, INDArray> acts = g.feedForward(x, false);
        int r = 1, s = SIZES[r];
        double[][] mean = new double[C][s * s];
        for (int l = 0; l < 5; l++) {
            for (int c = 0; c < C; c++) {
                for (int y = 0; y < s; y++) {
                    for (int xx = 0; xx < s; xx++) {
                        mean[c][y * s + xx] += gather(x[l], c, y, xx, SIZES[l], s) / 5.0;
                    }
                }
            }
        }
        for (int l = 0; l < 5; l++) {
            INDArray out = acts.get("neck.out." + l);
            int h = SIZES[l];
            for (int c = 0; c < C; c++) {
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < h; xx++) {
                        double scattered;
                        if (h >= s) {           // nearest upsampling of the refined map
                            int f = h / s;
                            scattered = mean[c][(y / f) * s + xx / f];
                        } else {                // adaptive max pooling
                            int f = s / h;
                            scattered = Double.NEGATIVE_INFINITY;
                            for (int dy = 0; dy < f; dy++) {
                                for (int dx = 0; dx < f; dx++) {
                                    scattered = Math.max(scattered, mean[c][(y * f + dy) * s + xx * f + dx]);
                                }
                            }
                        }
                        assertEquals(x[l].getDouble(0, c, y, xx) + scattered, out.getDouble(0, c, y, xx), 1e-12,
                                "level " + l + " c " + c + " y " + y + " x " + xx);
                    }
                }
            }
        }
    }

    /** gather level of size h to size s at (c, y, x): max over the f×f window if larger, nearest if smaller. */
    private static double gather(INDArray lv, int c, int y, int x, int h, int s) {
        if (h == s) {
            return lv.getDouble(0, c, y, x);
        }
        if (h > s) {
            int f = h / s;
            double m = Double.NEGATIVE_INFINITY;
            for (int dy = 0; dy < f; dy++) {
                for (int dx = 0; dx < f; dx++) {
                    m = Math.max(m, lv.getDouble(0, c, y * f + dy, x * f + dx));
                }
            }
            return m;
        }
        int f = s / h;
        return lv.getDouble(0, c, y / f, x / f);
    }

    @ParameterizedTest(name = "levels {0}")
    @ValueSource(strings = {"power-of-two", "96x160"})
    void gradientCheckDoublePrecision(String which) {
        ComputationGraph g = graph();
        // make the non-local refinement non-trivial (its output conv starts at zero) and its attention sharp enough
        // that θ/φ gradients stand well above finite-difference noise (init std 0.01 gives ~1e-6 gradients)
        for (String p : new String[]{"thetaW", "phiW", "gW"}) {
            g.paramTable().get("neck.refine_" + p).assign(Nd4j.rand(DataType.DOUBLE, 1, 1, C, C).subi(0.5).muli(4));
        }
        g.paramTable().get("neck.refine_convOutW").assign(Nd4j.rand(DataType.DOUBLE, 1, 1, C, C).subi(0.5));
        g.paramTable().get("neck.refine_convOutb").assign(0.1);
        INDArray[] x = which.equals("96x160") ? levels(2, ODD_SIZES) : levels(2);
        long total = 0;
        for (INDArray level : x) {
            total += level.size(2) * level.size(3);
        }
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 1, total);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(x)
                .labels(new INDArray[]{labels}).epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .subset(true).maxPerParam(4));
        assertTrue(ok, "gradient check of the balanced feature pyramid failed at " + which);
    }

    @Test
    void vertexNamesAreStable() {
        ComputationGraph g = graph();
        for (String name : new String[]{"neck.gather.0", "neck.gather.2", "neck.gather.3", "neck.gather.4",
                "neck.integrate", "neck.refine", "neck.scatter.0", "neck.scatter.2", "neck.scatter.3",
                "neck.scatter.4", "neck.out.0", "neck.out.4"}) {
            assertNotNull(g.getVertex(name), name);
        }
        assertNull(g.getVertex("neck.gather.1"), "the refine level is used as it is");
        assertInstanceOf(AdaptiveMaxPoolVertex.class, g.getConfiguration().getVertices().get("neck.gather.0"));
        assertInstanceOf(NearestResizeVertex.class, g.getConfiguration().getVertices().get("neck.gather.3"));
        assertInstanceOf(NearestResizeVertex.class, g.getConfiguration().getVertices().get("neck.scatter.0"));
        assertInstanceOf(AdaptiveMaxPoolVertex.class, g.getConfiguration().getVertices().get("neck.scatter.3"));
    }

    /** Outputs, level gradients and non-local parameter gradients equal torch's, at the fixture's level sizes. */
    @Test
    void matchesTorchBalancedFeaturePyramid() {
        JsonNode f = TorchFixture.load("bfp.json");
        int numLevels = f.get("levels").size();
        INDArray[] x = new INDArray[numLevels];
        INDArray[] w = new INDArray[numLevels];
        for (int l = 0; l < numLevels; l++) {
            x[l] = JsonArrays.tensor(f.get("levels").get(l));
            w[l] = JsonArrays.tensor(f.get("weights").get(l));
        }
        int n = (int) x[0].size(0), channels = (int) x[0].size(1);
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder();
        // Each level is the weight matrix of a bias-free identity dense layer fed the n×n identity, reshaped to
        // [n, C, h, w]: its weight gradient is then exactly the gradient w.r.t. the level (DL4J keeps no input
        // gradients).
        b.addInputs("onehot");
        String[] levels = new String[numLevels];
        for (int l = 0; l < numLevels; l++) {
            b.addLayer("dense" + l, new DenseLayer.Builder().nIn(n).nOut(x[l].length() / n).hasBias(false)
                    .activation(Activation.IDENTITY).build(), "onehot");
            levels[l] = "p" + (l + 3);
            b.addVertex(levels[l], new ReshapeVertex(n, channels, (int) x[l].size(2), (int) x[l].size(3)), "dense" + l);
        }
        String[] out = BalancedFeaturePyramid.addTo(b, levels, channels, BfpConfig.paper());
        b.setOutputs(out);
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        for (int l = 0; l < numLevels; l++) {
            g.paramTable().get("dense" + l + "_W").assign(x[l].reshape('c', n, x[l].length() / n));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = f.get("params").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            INDArray torch = JsonArrays.tensor(e.getValue());
            INDArray ours = g.paramTable().get("neck.refine_" + e.getKey());
            assertNotNull(ours, "no parameter neck.refine_" + e.getKey() + " in " + g.paramTable().keySet());
            // torch conv weight [out, in, 1, 1] → YXIO [1, 1, in, out]
            ours.assign(torch.rank() == 4 ? torch.permute(2, 3, 1, 0) : torch.reshape(ours.shape()));
        }
        INDArray[] input = {Nd4j.eye(n).castTo(DataType.DOUBLE)};
        INDArray[] y = g.output(input);
        for (int l = 0; l < numLevels; l++) {
            assertEquals(0.0, Close.maxAbsDiff(JsonArrays.tensor(f.get("outputs").get(l)), y[l]), 1e-12,
                    "output level " + l);
        }
        g.feedForward(input, true, false);
        Gradient grad = g.backpropGradient(w);
        for (Iterator<Map.Entry<String, JsonNode>> it = f.get("paramGrads").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            INDArray torch = JsonArrays.tensor(e.getValue());
            INDArray ours = grad.getGradientFor("neck.refine_" + e.getKey());
            INDArray expected = torch.rank() == 4 ? torch.permute(2, 3, 1, 0) : torch.reshape(ours.shape());
            assertEquals(0.0, Close.maxAbsDiff(expected, ours), 1e-12, "gradient of " + e.getKey());
        }
        for (int l = 0; l < numLevels; l++) {
            INDArray ours = grad.getGradientFor("dense" + l + "_W").reshape('c', x[l].shape());
            assertEquals(0.0, Close.maxAbsDiff(JsonArrays.tensor(f.get("levelGrads").get(l)), ours), 1e-12,
                    "gradient of level " + l);
        }
    }
}
