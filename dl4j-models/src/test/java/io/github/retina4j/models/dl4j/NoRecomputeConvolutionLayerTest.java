package io.github.retina4j.models.dl4j;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NoRecomputeConvolutionLayer} is DL4J's {@link ConvolutionLayer} minus the forward convolution inside the
 * backward pass: identical outputs, gradients and input errors (a trainable 1×1 conv below turns wrong input errors
 * into a wrong gradient), one forward convolution per fit instead of two.
 */
class NoRecomputeConvolutionLayerTest {
    private static ConvolutionLayer.Builder builder(Activation act, int stride, boolean bias, ConvolutionMode mode) {
        int pad = mode == ConvolutionMode.Same ? 0 : 1;   // DL4J: no explicit padding in Same mode
        return new ConvolutionLayer.Builder(3, 3).nIn(3).nOut(5).stride(stride, stride).padding(pad, pad)
                .convolutionMode(mode).hasBias(bias).activation(act);
    }

    private static ComputationGraph graph(Layer conv, DataType type, WorkspaceMode ws) {
        return graph(conv, type, ws, new Sgd(0.05));
    }

    private static ComputationGraph graph(Layer conv, DataType type, WorkspaceMode ws,
                                          org.nd4j.linalg.learning.config.IUpdater updater) {
        return graph(conv, 3, CNN2DFormat.NCHW, type, ws, updater, 3);
    }

    /**
     * x → below (DL4J's 1×1 convolution, {@code channels} → {@code channels}, trainable: wrong input errors of
     * {@code conv} become a wrong gradient here) → conv → MSE, every layer on {@code format} activations.
     */
    private static ComputationGraph graph(Layer conv, int channels, CNN2DFormat format, DataType type, WorkspaceMode ws,
                                          org.nd4j.linalg.learning.config.IUpdater updater, long seed) {
        return graph(conv, channels, format, type, ws, updater, seed, false);
    }

    /** {@code x → 1×1 conv "below" (frozen or trainable) → conv → MSE}. */
    private static ComputationGraph graph(Layer conv, int channels, CNN2DFormat format, DataType type, WorkspaceMode ws,
                                          org.nd4j.linalg.learning.config.IUpdater updater, long seed, boolean freezeBelow) {
        Layer below = new ConvolutionLayer.Builder(1, 1).nIn(channels).nOut(channels).activation(Activation.IDENTITY)
                .dataFormat(format).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(updater).trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws).graphBuilder()
                .addInputs("x")
                .addLayer("below", freezeBelow ? new org.deeplearning4j.nn.conf.layers.misc.FrozenLayer(below) : below, "x")
                .addLayer("conv", conv, "below")
                .addLayer("out", new CnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY)
                        .format(format).build(), "conv")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static MultiDataSet batch(DataType type, int stride, long seed) {
        Nd4j.getRandom().setSeed(seed);
        int out = 8 / stride;
        return new MultiDataSet(Nd4j.randn(type, 2, 3, 8, 8), Nd4j.randn(type, 2, 5, out, out));
    }

    @Test
    void sameOutputsGradientsAndTrainingAsDl4jLayer() {
        for (Activation act : new Activation[]{Activation.IDENTITY, Activation.RELU}) {
            for (int stride : new int[]{1, 2}) {
                for (boolean bias : new boolean[]{true, false}) {
                    for (ConvolutionMode mode : new ConvolutionMode[]{ConvolutionMode.Truncate, ConvolutionMode.Same}) {
                        String what = act + " stride " + stride + " bias " + bias + " " + mode;
                        ComputationGraph dl4j = graph(builder(act, stride, bias, mode).build(), DataType.FLOAT, WorkspaceMode.ENABLED);
                        ComputationGraph ours = graph(NoRecomputeConvolutionLayer.of(builder(act, stride, bias, mode)),
                                DataType.FLOAT, WorkspaceMode.ENABLED);
                        ours.setParams(dl4j.params().dup());
                        MultiDataSet mds = batch(DataType.FLOAT, stride, 7);
                        for (ComputationGraph g : new ComputationGraph[]{dl4j, ours}) {
                            g.setInputs(mds.getFeatures());
                            g.setLabels(mds.getLabels());
                            g.computeGradientAndScore();
                        }
                        Map<String, INDArray> expected = dl4j.gradient().gradientForVariable();
                        Map<String, INDArray> actual = ours.gradient().gradientForVariable();
                        assertEquals(expected.keySet(), actual.keySet(), what);
                        for (String k : expected.keySet()) {
                            assertIdentical(what + ": gradient " + k, expected.get(k), actual.get(k));
                        }
                        for (int step = 0; step < 3; step++) {
                            MultiDataSet b = batch(DataType.FLOAT, stride, 20 + step);
                            dl4j.fit(b);
                            ours.fit(b);
                        }
                        assertIdentical(what + ": parameters after 3 steps", dl4j.params(), ours.params());
                        assertIdentical(what + ": output", dl4j.outputSingle(mds.getFeatures(0)), ours.outputSingle(mds.getFeatures(0)));
                    }
                }
            }
        }
    }

    private static ComputationGraph pointwiseGraph(Layer conv) {
        return graph(conv, 16, CNN2DFormat.NCHW, DataType.FLOAT, WorkspaceMode.ENABLED, new Sgd(0.05), 5);
    }

    private static void assertClose(String what, INDArray expected, INDArray actual) {
        assertClose(1e-6, what, expected, actual);
    }

    /** Within {@code relative} × the largest expected value (float round-off of differently ordered sums). */
    private static void assertClose(double relative, String what, INDArray expected, INDArray actual) {
        assertTrue(java.util.Arrays.equals(expected.shape(), actual.shape()), what + ": shape");
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-30);
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        // float32 round-off of a 16–24 term dot product: a few ulps of the largest value
        assertTrue(diff <= relative * scale, what + ": max |Δ| " + diff + " for max |x| " + scale);
    }

    /**
     * The float32 1×1 stride-1 forward is a matrix product, not libnd4j's conv2d: outputs, gradients and trained
     * parameters match DL4J's layer to float round-off.
     */
    @Test
    void pointwiseMatrixProductMatchesDl4jConvolution() {
        for (Activation act : new Activation[]{Activation.IDENTITY, Activation.RELU}) {
            for (boolean bias : new boolean[]{true, false}) {
                for (ConvolutionMode mode : new ConvolutionMode[]{ConvolutionMode.Truncate, ConvolutionMode.Same}) {
                    String what = "1x1 " + act + " bias " + bias + " " + mode;
                    java.util.function.Supplier<ConvolutionLayer.Builder> b = () -> new ConvolutionLayer.Builder(1, 1)
                            .nIn(16).nOut(24).convolutionMode(mode).hasBias(bias).activation(act);
                    ComputationGraph dl4j = pointwiseGraph(b.get().build());
                    ComputationGraph ours = pointwiseGraph(NoRecomputeConvolutionLayer.of(b.get()));
                    if (bias) {   // a non-zero bias, so that adding it is tested
                        dl4j.getLayer("conv").getParam("b").assign(Nd4j.linspace(DataType.FLOAT, -1, 1, 24));
                    }
                    ours.setParams(dl4j.params().dup());
                    assertTrue(((NoRecomputeConvolutionLayerImpl) ours.getLayer("conv")).pointwise(), what);
                    Nd4j.getRandom().setSeed(11);
                    MultiDataSet mds = new MultiDataSet(Nd4j.randn(DataType.FLOAT, 2, 16, 7, 9),
                            Nd4j.randn(DataType.FLOAT, 2, 24, 7, 9));
                    INDArray x = mds.getFeatures(0);
                    assertClose(what + ": output", dl4j.outputSingle(x), ours.outputSingle(x));
                    for (ComputationGraph g : new ComputationGraph[]{dl4j, ours}) {
                        g.setInputs(mds.getFeatures());
                        g.setLabels(mds.getLabels());
                        g.computeGradientAndScore();
                    }
                    Map<String, INDArray> expected = dl4j.gradient().gradientForVariable();
                    Map<String, INDArray> actual = ours.gradient().gradientForVariable();
                    assertEquals(expected.keySet(), actual.keySet(), what);
                    for (String k : expected.keySet()) {
                        assertClose(what + ": gradient " + k, expected.get(k), actual.get(k));
                    }
                    for (int step = 0; step < 3; step++) {
                        dl4j.fit(mds);
                        ours.fit(mds);
                    }
                    assertClose(what + ": parameters after 3 steps", dl4j.params(), ours.params());
                }
            }
        }
    }

    /** {@link #graph} at 6 channels, float32, on {@code format} activations. */
    private static ComputationGraph formatGraph(ConvolutionLayer.Builder conv, CNN2DFormat format) {
        return graph(NoRecomputeConvolutionLayer.of(conv.dataFormat(format)), 6, format, DataType.FLOAT,
                WorkspaceMode.ENABLED, new Sgd(0.05), 5);
    }

    /**
     * Float32 NHWC runs libnd4j's NHWC ops in both directions (1×1 stride 1: matrix products over all pixels; others:
     * conv2d_bp): the same outputs, gradients, input errors and trained parameters as the NCHW layer, to round-off.
     */
    @Test
    void channelsLastMatchesChannelsFirst() {
        int[][] shapes = {{1, 1, 0}, {3, 1, 1}, {3, 2, 1}, {1, 2, 0}};   // kernel, stride, padding
        for (int[] k : shapes) {
            for (Activation act : new Activation[]{Activation.IDENTITY, Activation.RELU}) {
                for (boolean bias : new boolean[]{true, false}) {
                    String what = k[0] + "x" + k[0] + "/" + k[1] + " " + act + " bias " + bias;
                    java.util.function.Supplier<ConvolutionLayer.Builder> b = () -> new ConvolutionLayer.Builder(k[0], k[0])
                            .nIn(6).nOut(10).stride(k[1], k[1]).padding(k[2], k[2]).convolutionMode(ConvolutionMode.Truncate)
                            .hasBias(bias).activation(act);
                    ComputationGraph first = formatGraph(b.get(), CNN2DFormat.NCHW);
                    ComputationGraph last = formatGraph(b.get(), CNN2DFormat.NHWC);
                    if (bias) {
                        first.getLayer("conv").getParam("b").assign(Nd4j.linspace(DataType.FLOAT, -1, 1, 10));
                    }
                    last.setParams(first.params().dup());
                    assertTrue(((NoRecomputeConvolutionLayerImpl) last.getLayer("conv")).channelsLast(), what);
                    Nd4j.getRandom().setSeed(13);
                    INDArray x = Nd4j.randn(DataType.FLOAT, 2, 6, 7, 9);
                    int out = (7 + 2 * k[2] - k[0]) / k[1] + 1;
                    int outW = (9 + 2 * k[2] - k[0]) / k[1] + 1;
                    INDArray y = Nd4j.randn(DataType.FLOAT, 2, 10, out, outW);
                    MultiDataSet nchw = new MultiDataSet(x, y);
                    MultiDataSet nhwc = new MultiDataSet(x.permute(0, 2, 3, 1).dup('c'), y.permute(0, 2, 3, 1).dup('c'));
                    assertClose(1e-5, what + ": output", first.outputSingle(x).permute(0, 2, 3, 1),
                            last.outputSingle(nhwc.getFeatures(0)));
                    first.setInputs(nchw.getFeatures());
                    first.setLabels(nchw.getLabels());
                    last.setInputs(nhwc.getFeatures());
                    last.setLabels(nhwc.getLabels());
                    first.computeGradientAndScore();
                    last.computeGradientAndScore();
                    Map<String, INDArray> expected = first.gradient().gradientForVariable();
                    Map<String, INDArray> actual = last.gradient().gradientForVariable();
                    assertEquals(expected.keySet(), actual.keySet(), what);
                    for (String key : expected.keySet()) {   // "below" learns from the NHWC input error
                        assertClose(1e-5, what + ": gradient " + key, expected.get(key), actual.get(key));
                    }
                    for (int step = 0; step < 3; step++) {
                        first.fit(nchw);
                        last.fit(nhwc);
                    }
                    assertClose(1e-5, what + ": parameters after 3 steps", first.params(), last.params());
                }
            }
        }
    }

    /** Only float32 1×1 stride-1 unpadded convolutions take the matrix product. */
    @Test
    void pointwiseSelection() {
        OneDnnSupport.enable();
        ConvolutionLayer.Builder[] no = {
                new ConvolutionLayer.Builder(3, 3).nIn(4).nOut(4),
                new ConvolutionLayer.Builder(1, 1).nIn(4).nOut(4).stride(2, 2),
                new ConvolutionLayer.Builder(1, 1).nIn(4).nOut(4).padding(1, 1)};
        for (ConvolutionLayer.Builder b : no) {
            assertTrue(!pointwiseLayer(NoRecomputeConvolutionLayer.of(b.activation(Activation.IDENTITY)), DataType.FLOAT)
                    .pointwise());
        }
        NoRecomputeConvolutionLayer one = NoRecomputeConvolutionLayer.of(new ConvolutionLayer.Builder(1, 1).nIn(4).nOut(4)
                .activation(Activation.IDENTITY));
        assertTrue(pointwiseLayer(one, DataType.FLOAT).pointwise());
        assertTrue(!pointwiseLayer(one, DataType.DOUBLE).pointwise(), "double keeps DL4J's path (gradient checks)");
    }

    private static NoRecomputeConvolutionLayerImpl pointwiseLayer(NoRecomputeConvolutionLayer c, DataType type) {
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).layer(c).build();
        long n = conf.getLayer().initializer().numParams(conf);
        return (NoRecomputeConvolutionLayerImpl) c.instantiate(conf, java.util.List.of(), 0,
                Nd4j.create(type, 1, n), true, type);
    }

    /** Counts forward convolutions (DL4J's {@code preOutput}) of a layer driven directly. */
    private static int forwardConvsPerTrainingStep(NeuralNetConfiguration conf, boolean ours) {
        int[] count = {0};
        org.deeplearning4j.nn.layers.convolution.ConvolutionLayer layer = ours
                ? new NoRecomputeConvolutionLayerImpl(conf, DataType.FLOAT) {
                    @Override
                    protected Pair<INDArray, INDArray> preOutput(boolean t, boolean b, LayerWorkspaceMgr w) {
                        count[0]++;
                        return super.preOutput(t, b, w);
                    }
                }
                : new org.deeplearning4j.nn.layers.convolution.ConvolutionLayer(conf, DataType.FLOAT) {
                    @Override
                    protected Pair<INDArray, INDArray> preOutput(boolean t, boolean b, LayerWorkspaceMgr w) {
                        count[0]++;
                        return super.preOutput(t, b, w);
                    }
                };
        long n = conf.getLayer().initializer().numParams(conf);
        INDArray params = Nd4j.create(DataType.FLOAT, 1, n);
        layer.setParamsViewArray(params);
        layer.setParamTable(conf.getLayer().initializer().init(conf, params, true));
        layer.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, 1, n));
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(Nd4j.randn(DataType.FLOAT, 2, 3, 8, 8), ws);
        INDArray out = layer.activate(true, ws);
        Pair<Gradient, INDArray> g = layer.backpropGradient(Nd4j.randn(DataType.FLOAT, out.shape()), ws);
        assertEquals(3 * 8 * 8 * 2, g.getSecond().length());
        return count[0];
    }

    @Test
    void oneForwardConvolutionPerTrainingStepInsteadOfTwo() {
        OneDnnSupport.enable();
        for (Activation act : new Activation[]{Activation.IDENTITY, Activation.RELU}) {
            ConvolutionLayer dl4jConf = builder(act, 1, true, ConvolutionMode.Truncate).build();
            NoRecomputeConvolutionLayer ourConf = NoRecomputeConvolutionLayer.of(builder(act, 1, true, ConvolutionMode.Truncate));
            assertEquals(2, forwardConvsPerTrainingStep(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                    .layer(dl4jConf).build(), false), "DL4J's layer recomputes the forward pass (" + act + ")");
            assertEquals(1, forwardConvsPerTrainingStep(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                    .layer(ourConf).build(), true), act.toString());
        }
    }

    @Test
    @DoublePrecision
    void gradientCheckDoublePrecision() {
        for (Activation act : new Activation[]{Activation.IDENTITY, Activation.RELU}) {
            ComputationGraph g = graph(NoRecomputeConvolutionLayer.of(builder(act, 2, true, ConvolutionMode.Same)),
                    DataType.DOUBLE, WorkspaceMode.NONE, new NoOp());
            MultiDataSet mds = batch(DataType.DOUBLE, 2, 4);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(mds.getFeatures()).labels(mds.getLabels()).epsilon(1e-6).maxRelError(1e-3)
                    .minAbsoluteError(1e-8)), "gradient check " + act);
        }
    }

    @Test
    void jsonAndModelSerializerRoundTrip() throws Exception {
        ComputationGraph g = graph(NoRecomputeConvolutionLayer.of(builder(Activation.RELU, 1, false, ConvolutionMode.Same)),
                DataType.FLOAT, WorkspaceMode.ENABLED);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(NoRecomputeConvolutionLayerImpl.class, restored.getLayer("conv"));
        INDArray x = batch(DataType.FLOAT, 1, 2).getFeatures(0);
        assertIdentical("output after ModelSerializer round trip", g.outputSingle(x), restored.outputSingle(x));
    }

    /**
     * Without the input's error (the first block after frozen ResNet stages) the layer learns exactly as before and
     * returns no error; the flag survives JSON.
     */
    @Test
    void withoutInputErrorLearnsTheSameAndReturnsNoError() {
        int[][] shapes = {{1, 1, 0}, {1, 2, 0}, {3, 1, 1}};   // kernel, stride, padding
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int[] k : shapes) {
                String what = format + " " + k[0] + "x" + k[0] + "/" + k[1];
                java.util.function.Supplier<NoRecomputeConvolutionLayer> conv = () -> NoRecomputeConvolutionLayer.of(
                        new ConvolutionLayer.Builder(k[0], k[0]).nIn(6).nOut(10).stride(k[1], k[1]).padding(k[2], k[2])
                                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).dataFormat(format));
                // nothing below "conv" learns
                ComputationGraph with = graph(conv.get(), 6, format, DataType.FLOAT, WorkspaceMode.ENABLED,
                        new Sgd(0.05), 5, true);
                ComputationGraph without = graph(conv.get().withoutInputError(), 6, format, DataType.FLOAT,
                        WorkspaceMode.ENABLED, new Sgd(0.05), 5, true);
                without.setParams(with.params().dup());
                Nd4j.getRandom().setSeed(17);
                INDArray x = Nd4j.randn(DataType.FLOAT, 2, 6, 7, 9);
                int h = (7 + 2 * k[2] - k[0]) / k[1] + 1;
                int w = (9 + 2 * k[2] - k[0]) / k[1] + 1;
                INDArray y = Nd4j.randn(DataType.FLOAT, 2, 10, h, w);
                MultiDataSet data = format == CNN2DFormat.NCHW ? new MultiDataSet(x, y)
                        : new MultiDataSet(x.permute(0, 2, 3, 1).dup('c'), y.permute(0, 2, 3, 1).dup('c'));
                for (ComputationGraph g : new ComputationGraph[]{with, without}) {
                    g.setInputs(data.getFeatures());
                    g.setLabels(data.getLabels());
                    g.computeGradientAndScore();
                }
                Map<String, INDArray> expected = with.gradient().gradientForVariable();
                assertEquals(expected.keySet(), without.gradient().gradientForVariable().keySet(), what);
                for (String key : expected.keySet()) {
                    assertIdentical(what + ": gradient " + key, expected.get(key), without.gradient().getGradientFor(key));
                }
                for (int step = 0; step < 2; step++) {
                    with.fit(data);
                    without.fit(data);
                }
                assertIdentical(what + ": parameters after 2 steps", with.params(), without.params());

                for (ComputationGraph g : new ComputationGraph[]{with, without}) {
                    g.feedForward(data.getFeatures(), true, false);
                }
                INDArray epsilon = data.getLabels(0);
                assertTrue(with.getLayer("conv").backpropGradient(epsilon.dup(), LayerWorkspaceMgr.noWorkspaces())
                        .getSecond() != null, what);
                assertEquals(null, without.getLayer("conv").backpropGradient(epsilon.dup(),
                        LayerWorkspaceMgr.noWorkspaces()).getSecond(), what + ": no input error");
                ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(without.getConfiguration().toJson());
                assertEquals(without.getConfiguration(), back, what);
                NoRecomputeConvolutionLayer read = (NoRecomputeConvolutionLayer)
                        ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("conv")).getLayerConf().getLayer();
                assertTrue(!read.isInputError(), what + ": flag after JSON");
            }
        }
    }

    @Test
    void rejectsOtherActivations() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NoRecomputeConvolutionLayer.of(builder(Activation.TANH, 1, true, ConvolutionMode.Same)));
        assertTrue(e.getMessage().contains("identity or ReLU"), e.getMessage());
    }
}
