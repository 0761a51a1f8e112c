package io.github.retina4j.models.heads;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class SharedHeadVertexTest {
    private static ComputationGraph headGraph(int levels, int in, int channels, int convs, int anchors, int k,
                                              ILossFunction loss, long seed) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder();
        String[] names = new String[levels];
        for (int i = 0; i < levels; i++) {
            names[i] = "p" + (i + 3);
        }
        b.addInputs(names);
        b.addVertex("head", new SharedHeadVertex(levels, in, channels, convs, anchors, k, "clsLogits", 0.5, -1.0), names);
        b.addLayer("out", new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build(), "head");
        b.setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void oneSetOfWeightsWhateverTheNumberOfLevels() {
        int in = 3, ch = 4, convs = 2, a = 2, k = 5;
        long expected = (9L * in * ch + ch) + (9L * ch * ch + ch) + (9L * ch * a * k + a * k);
        for (int levels : new int[]{1, 3, 5}) {
            ComputationGraph g = headGraph(levels, in, ch, convs, a, k, new LossMSE(), 1);
            assertEquals(expected, g.params().length(), "parameters with " + levels + " levels");
        }
        // torchvision RetinaNetClassificationHead(256, 9, 91): 4·(9·256·256 + 256) + 9·256·819 + 819
        SharedHeadVertex tv = RetinaHead.classificationVertex(5, 256, 91, HeadConfig.paper());
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("a", "b", "c", "d", "e").addVertex("h", tv, "a", "b", "c", "d", "e")
                .addLayer("o", new RnnLossLayer.Builder().lossFunction(new LossMSE()).build(), "h").setOutputs("o").build());
        g.init();
        assertEquals(4L * (9 * 256 * 256 + 256) + 9L * 256 * 819 + 819, g.params().length());
    }

    /**
     * With a single centre-tap predictor, output channel j = a·K + k at (y, x) equals (j + 1)·input(y, x): so the
     * element of [N, K, A_total] at (level, y, x, a) must be (a·K + k + 1) · input_level(y, x).
     */
    @Test
    void outputOrderIsLevelThenYThenXThenAnchor() {
        int a = 3, k = 2;
        ComputationGraph g = headGraph(2, 1, 1, 0, a, k, new LossMSE(), 2);
        Map<String, INDArray> p = g.paramTable();
        INDArray w = p.get("head_clsLogitsW");          // [3, 3, 1, A·K]
        w.assign(0);
        for (int j = 0; j < a * k; j++) {
            w.putScalar(new long[]{1, 1, 0, j}, j + 1);
        }
        p.get("head_clsLogitsb").assign(0);
        INDArray l0 = Nd4j.rand(DataType.DOUBLE, 2, 1, 3, 4);
        INDArray l1 = Nd4j.rand(DataType.DOUBLE, 2, 1, 2, 2);
        INDArray out = g.output(l0, l1)[0];
        assertArrayEquals(new long[]{2, k, (12 + 4) * a}, out.shape());
        INDArray[] levels = {l0, l1};
        for (int n = 0; n < 2; n++) {
            long offset = 0;
            for (INDArray lv : levels) {
                long h = lv.size(2), wd = lv.size(3);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < wd; x++) {
                        for (int ai = 0; ai < a; ai++) {
                            for (int ki = 0; ki < k; ki++) {
                                long idx = offset + (y * wd + x) * a + ai;
                                assertEquals((ai * k + ki + 1) * lv.getDouble(n, 0, y, x), out.getDouble(n, ki, idx), 1e-12);
                            }
                        }
                    }
                }
                offset += h * wd * a;
            }
        }
    }

    @Test
    void priorBiasAndGaussianInit() {
        HeadConfig c = HeadConfig.paper();
        assertEquals(-Math.log(99), c.classBias(), 1e-12);
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("a").addVertex("h", RetinaHead.classificationVertex(1, 16, 10, c), "a")
                .addLayer("o", new RnnLossLayer.Builder().lossFunction(new LossMSE()).build(), "h").setOutputs("o").build());
        g.init();
        INDArray b = g.paramTable().get("h_clsLogitsb");
        assertEquals(c.classBias(), b.minNumber().doubleValue(), 1e-12);
        assertEquals(c.classBias(), b.maxNumber().doubleValue(), 1e-12);
        INDArray w = g.paramTable().get("h_conv0W");
        assertEquals(0.01, w.stdNumber().doubleValue(), 0.001);
        assertEquals(0.0, g.paramTable().get("h_conv0b").amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void gradientCheckTwoLevelsDoublePrecision() {
        int a = 2, k = 3;
        // MSE on the raw outputs (the focal losses have their own gradient checks in dl4j-losses)
        ComputationGraph g = headGraph(2, 2, 3, 1, a, k, new LossMSE(), 7);
        INDArray l0 = Nd4j.rand(DataType.DOUBLE, 2, 2, 4, 3).subi(0.5);
        INDArray l1 = Nd4j.rand(DataType.DOUBLE, 2, 2, 2, 2).subi(0.5);
        long total = (12 + 4) * a;
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, k, total);
        INDArray mask = Nd4j.rand(DataType.DOUBLE, 2, total).gt(0.2).castTo(DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{l0, l1}).labels(new INDArray[]{labels}).labelMask(new INDArray[]{mask})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .subset(true).maxPerParam(12)); // every parameter array, 12 entries each: keeps the test fast
        assertTrue(ok, "gradient check of the shared head failed");
    }
}
