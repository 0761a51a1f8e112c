package io.github.retina4j.models.fpn;

import io.github.retina4j.models.heads.SharedHeadVertex;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BalancedFeaturePyramidTest {
    private static final int C = 2;
    private static final int[] SIZES = {16, 8, 4, 2, 1};
    private static DataType oldType;

    @BeforeAll
    static void doublePrecision() {
        oldType = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(oldType, oldType);
    }

    /** inputs p3..p7 → BFP → (levels outputs as a graph output each, for the exact test) or a 1×1-free head. */
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
        INDArray[] x = new INDArray[SIZES.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = Nd4j.rand(DataType.DOUBLE, n, C, SIZES[i], SIZES[i]).subi(0.5);
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
     * adaptive max pooling / nearest interpolation at power-of-two ratios.
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

    @Test
    void gradientCheckDoublePrecision() {
        ComputationGraph g = graph();
        // make the non-local refinement non-trivial (its output conv starts at zero) and its attention sharp enough
        // that θ/φ gradients stand well above finite-difference noise (init std 0.01 gives ~1e-6 gradients)
        for (String p : new String[]{"thetaW", "phiW", "gW"}) {
            g.paramTable().get("neck.refine_" + p).assign(Nd4j.rand(DataType.DOUBLE, 1, 1, C, C).subi(0.5).muli(4));
        }
        g.paramTable().get("neck.refine_convOutW").assign(Nd4j.rand(DataType.DOUBLE, 1, 1, C, C).subi(0.5));
        g.paramTable().get("neck.refine_convOutb").assign(0.1);
        INDArray[] x = levels(2);
        long total = 0;
        for (int s : SIZES) {
            total += (long) s * s;
        }
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 1, total);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(x)
                .labels(new INDArray[]{labels}).epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .subset(true).maxPerParam(4));
        assertTrue(ok, "gradient check of the balanced feature pyramid failed");
    }
}
