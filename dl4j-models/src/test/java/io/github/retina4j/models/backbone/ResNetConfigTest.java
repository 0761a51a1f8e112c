package io.github.retina4j.models.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.testsupport.TestResources;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ResNet backbones in torchvision's layout: parameter counts and feature-map shapes of ResNet-18/34/50/101 against
 * torchvision, and what the frozen-BN / frozen-stage options freeze during a training step.
 *
 * <p>Fixture {@code backbone/torchvision_resnet_backbones.json}, made with Debian's python3-torch 1.13 /
 * python3-torchvision 0.14.1: for each depth, {@code torchvision.models.resnet<d>(weights=None)} without avgpool/fc —
 * {@code sum(p.numel())} of its parameters (trainable BatchNorm2d, every stage), the parameters of layer2–layer4 of the
 * same model built with {@code norm_layer=FrozenBatchNorm2d} (torchvision's detection default
 * {@code trainable_backbone_layers=3}: stem and layer1 frozen, FrozenBatchNorm2d has no parameters), and the
 * {@code [C, H, W]} outputs of layer1..layer4 for a zero input of 96×160.
 */
class ResNetConfigTest {
    private static final String OUT = "out";
    /** Input of the training-step tests: C5 is 1×1, the smallest that runs every stage. */
    private static final int TRAIN_SIZE = 32;

    private static JsonNode fixture() {
        return TestResources.json(ResNetConfigTest.class, "/backbone/torchvision_resnet_backbones.json");
    }

    /** The backbone alone with C3..C5 as outputs, or (for training) with a regression head on C3..C5, pooled. */
    private static ComputationGraph backbone(ResNetConfig cfg, boolean withHead) {
        ComputationGraph graph = new ComputationGraph(configuration(cfg, withHead));
        graph.init();
        return graph;
    }

    private static ComputationGraphConfiguration configuration(ResNetConfig cfg, boolean withHead) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Sgd(0.5)).trainingWorkspaceMode(WorkspaceMode.NONE).inferenceWorkspaceMode(WorkspaceMode.NONE)
                .graphBuilder().addInputs("in");
        BackboneConfig.FeatureMaps c = cfg.addTo(g, "in");
        if (withHead) {
            String[] pooled = new String[3];
            for (int i = 0; i < 3; i++) {
                pooled[i] = "pool" + (i + 3);
                g.addLayer(pooled[i], new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), c.names()[i]);
            }
            g.addVertex("pool", new org.deeplearning4j.nn.conf.graph.MergeVertex(), pooled);
            g.addLayer(OUT, new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1)
                    .activation(Activation.IDENTITY).build(), "pool");
            g.setOutputs(OUT);
        } else {
            g.setOutputs(c.names());
        }
        g.setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(TRAIN_SIZE, TRAIN_SIZE, 3));
        return g.build();
    }

    /**
     * Parameters updated by gradient, counted from the configuration (no weights allocated, so ResNet-101 stays cheap):
     * frozen layers count nothing, BatchNorm counts γ and β (its running statistics are not trained).
     */
    private static long trainableFromConfiguration(ComputationGraphConfiguration conf) {
        long n = 0;
        for (org.deeplearning4j.nn.conf.graph.GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                Layer l = lv.getLayerConf().getLayer();
                if (l instanceof FrozenLayerWithBackprop || l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) {
                    continue;
                }
                n += l instanceof BatchNormalization bn ? 2 * bn.getNOut() : l.initializer().numParams(l);
            }
        }
        return n;
    }

    @Test
    void parameterCountsAndFeatureShapesMatchTorchvision() {
        JsonNode fx = fixture();
        int h = fx.get("input_hw").get(0).asInt();
        int w = fx.get("input_hw").get(1).asInt();
        assertTrue(fx.get("depths").size() > 0, "no depths in the fixture");
        for (Iterator<String> it = fx.get("depths").fieldNames(); it.hasNext(); ) {
            String key = it.next();
            int depth = Integer.parseInt(key);
            JsonNode ref = fx.get("depths").get(key);
            long allStages = ref.get("params_trainable_bn_all_stages").asLong();
            long detectorDefault = ref.get("params_trainable_frozen_bn_stem_layer1_frozen").asLong();
            assertEquals(allStages, trainableFromConfiguration(configuration(new ResNetConfig(depth, false, 0), false)),
                    "ResNet-" + depth + ", trainable BN, no frozen stage");
            assertEquals(detectorDefault, trainableFromConfiguration(configuration(ResNetConfig.of(depth), false)),
                    "ResNet-" + depth + ", frozen BN, stem + layer1 frozen");
            int[] channels = ResNetConfig.of(depth).outChannels();
            if (depth == 101) {
                continue; // same blocks as ResNet-50: its shapes add nothing but time
            }
            // the initialised graph: RetinaNet.trainableParams agrees, and C3..C5 have torchvision's shapes
            ComputationGraph trainableBn = new ComputationGraph(configuration(new ResNetConfig(depth, false, 0), false));
            trainableBn.init();
            assertEquals(allStages, RetinaNet.trainableParams(trainableBn), "trainableParams of ResNet-" + depth);
            INDArray[] c = trainableBn.output(Nd4j.zeros(DataType.FLOAT, 1, 3, h, w));
            for (int l = 0; l < 3; l++) {
                JsonNode s = ref.get("c2_c5_shapes_chw").get(l + 1);
                assertArrayEquals(new long[] {1, s.get(0).asLong(), s.get(1).asLong(), s.get(2).asLong()}, c[l].shape(),
                        "ResNet-" + depth + " C" + (l + 3));
                assertEquals(s.get(0).asInt(), channels[l], "outChannels of ResNet-" + depth);
            }
        }
    }

    private static boolean changed(Map<String, INDArray> before, ComputationGraph g, String key) {
        INDArray now = g.paramTable().get(key);
        assertNotNull(now, "parameter " + key);
        return !before.get(key).equals(now);
    }

    private static Map<String, INDArray> step(ComputationGraph g) {
        Map<String, INDArray> before = new java.util.HashMap<>();
        g.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        Nd4j.getRandom().setSeed(3);
        g.fit(new MultiDataSet(Nd4j.rand(DataType.FLOAT, 2, 3, TRAIN_SIZE, TRAIN_SIZE), Nd4j.ones(DataType.FLOAT, 2, 1).muli(10)));
        return before;
    }

    /** Detector default: frozen BN and frozen stem + layer1 stay unchanged by a step; layer2 learns. */
    @Test
    void frozenBatchNormAndFrozenStemDoNotMove() {
        ComputationGraph g = backbone(ResNetConfig.of(18), true);
        Map<String, INDArray> before = step(g);
        String p = ResNetConfig.PREFIX;
        assertFalse(changed(before, g, p + "conv1_W"), "stem conv");
        assertFalse(changed(before, g, p + "layer1.0.conv1_W"), "layer1 conv");
        assertFalse(changed(before, g, p + "layer2.0.bn1_W"), "frozen BN (scale) of a trainable stage");
        assertFalse(changed(before, g, p + "layer2.0.bn1_b"), "frozen BN (shift) of a trainable stage");
        assertTrue(changed(before, g, p + "layer2.0.conv1_W"), "layer2 conv learns");
        assertTrue(changed(before, g, p + "layer4.1.conv2_W"), "layer4 conv learns");
    }

    /** Trainable BN (frozenBatchNorm = false): γ, β learn and the running statistics move; frozen stages stay. */
    @Test
    void trainableBatchNormLearnsAndTracksStatistics() {
        ComputationGraph g = backbone(new ResNetConfig(18, false, 1), true);
        Map<String, INDArray> before = step(g);
        String p = ResNetConfig.PREFIX;
        for (String bn : new String[] {p + "layer2.0.bn1_", p + "layer3.1.bn2_"}) {
            assertTrue(changed(before, g, bn + "gamma"), bn + "gamma learns");
            assertTrue(changed(before, g, bn + "beta"), bn + "beta learns");
            assertTrue(changed(before, g, bn + "mean"), bn + "running mean tracks the batch");
            // DL4J M2.1 keeps log10(std) instead of the variance by default
            assertTrue(changed(before, g, bn + "log10stdev"), bn + "running variance tracks the batch");
        }
        // a frozen stage (mmdetection frozen_stages=1: eval mode) keeps its BN statistics too
        assertFalse(changed(before, g, p + "bn1_mean"), "stem BN statistics stay");
        assertFalse(changed(before, g, p + "layer1.0.bn1_gamma"), "layer1 BN scale stays");
        assertFalse(changed(before, g, p + "conv1_W"), "stem conv stays");

        ComputationGraph all = backbone(new ResNetConfig(18, false, 0), true);
        before = step(all);
        assertTrue(changed(before, all, p + "conv1_W"), "stem conv learns with frozenStages = 0");
        assertTrue(changed(before, all, p + "bn1_gamma"), "stem BN learns with frozenStages = 0");
    }

    /** The weights of {@code a} copied into {@code b}, then a gradient computation of each on the same batch. */
    private static void gradientsOnSameWeights(ComputationGraph a, ComputationGraph b, INDArray x, INDArray y) {
        assertEquals(a.numParams(), b.numParams());
        copyParams(a, b);
        for (ComputationGraph g : new ComputationGraph[] {a, b}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
    }

    /** Parameters layer by layer, by name: graphs with different parameter-free vertices order them differently. */
    private static void copyParams(ComputationGraph from, ComputationGraph to) {
        Map<String, INDArray> target = to.paramTable();
        assertEquals(from.paramTable().keySet(), target.keySet());
        from.paramTable().forEach((key, value) -> target.get(key).assign(value));
    }

    /**
     * A channels-last backbone (NHWC between an input copy and copies of C3..C5) computes what the channels-first one
     * does, in both directions: same feature maps, same gradients of every trainable convolution (float round-off),
     * same parameters after an SGD step. ResNet-50 layout at width 8: bottleneck 1×1 convolutions (matrix products),
     * 3×3 and strided convolutions (conv2d_bp on NHWC), stride-2 downsamples.
     */
    @Test
    void channelsLastBackboneMatchesChannelsFirst() {
        ComputationGraph first = backbone(new ResNetConfig(50, true, 1, 8, false), true);
        ComputationGraph last = backbone(new ResNetConfig(50, true, 1, 8, true), true);
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, TRAIN_SIZE, TRAIN_SIZE);
        INDArray y = Nd4j.rand(DataType.FLOAT, 2, 1);
        gradientsOnSameWeights(first, last, x, y);
        assertEquals(first.score(), last.score(), 1e-5 * Math.abs(first.score()), "same forward");
        Map<String, INDArray> expected = first.gradient().gradientForVariable();
        Map<String, INDArray> actual = last.gradient().gradientForVariable();
        assertEquals(expected.keySet(), actual.keySet());
        int compared = 0;
        for (String key : expected.keySet()) {
            INDArray a = expected.get(key);
            double scale = a.amaxNumber().doubleValue();
            if (key.endsWith("conv1_W") || key.endsWith("conv2_W") || key.endsWith("conv3_W")
                    || key.endsWith("downsample.0_W")) {
                compared += scale > 0 ? 1 : 0;
            }
            assertTrue(a.equalsWithEps(actual.get(key), 1e-4 * Math.max(scale, 1e-12)), key);
        }
        assertTrue(compared > 40, "trainable convolutions with a gradient: " + compared);
        // one step: the test graph's SGD at 0.5 diverges on random regression targets after that
        org.nd4j.linalg.dataset.MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(x, y);
        first.fit(batch);
        last.fit(batch);
        Map<String, INDArray> trained = last.paramTable();
        first.paramTable().forEach((key, value) -> {
            double diff = value.sub(trained.get(key)).amaxNumber().doubleValue();
            double scale = value.amaxNumber().doubleValue();
            assertTrue(diff <= 1e-4 * scale, "parameters after a step: " + key + ", max |Δ| " + diff + " of " + scale);
        });
        ComputationGraph firstMaps = backbone(new ResNetConfig(50, true, 1, 8, false), false);
        ComputationGraph lastMaps = backbone(new ResNetConfig(50, true, 1, 8, true), false);
        copyParams(firstMaps, lastMaps);
        INDArray[] a = firstMaps.output(x);
        INDArray[] b = lastMaps.output(x);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i].shape(), b[i].shape(), "C" + (i + 3) + " stays NCHW");
            assertTrue(a[i].equalsWithEps(b[i], 1e-4 * a[i].amaxNumber().doubleValue()), "C" + (i + 3));
        }
        assertThrows(IllegalArgumentException.class, () -> new ResNetConfig(50, false, 1, 8, true),
                "trainable batch norm stays channels-first");
    }

    /**
     * The frozen stem and layer1 are skipped by the backward pass (FrozenLayer vertices) without changing the
     * gradients of the trainable stages: with the same weights, they equal those of a fully trainable backbone.
     */
    @Test
    void frozenStagesAreSkippedInBackpropWithoutChangingTrainableGradients() {
        ComputationGraph frozen = backbone(ResNetConfig.of(18), true);
        ComputationGraph trainable = backbone(new ResNetConfig(18, true, 0), true);
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, TRAIN_SIZE, TRAIN_SIZE);
        INDArray y = Nd4j.ones(DataType.FLOAT, 2, 1);
        gradientsOnSameWeights(frozen, trainable, x, y);
        assertEquals(trainable.score(), frozen.score(), 1e-6, "same forward");
        String p = ResNetConfig.PREFIX;
        for (String key : new String[] {p + "layer2.0.conv1_W", p + "layer2.0.downsample.0_W", p + "layer4.1.conv2_W"}) {
            INDArray a = frozen.gradient().getGradientFor(key);
            INDArray b = trainable.gradient().getGradientFor(key);
            assertTrue(b.amaxNumber().doubleValue() > 0, key + " has a gradient");
            assertTrue(a.equalsWithEps(b, 1e-5 * b.amaxNumber().doubleValue()), key);
        }
        INDArray stem = frozen.gradient().getGradientFor(p + "conv1_W");
        assertTrue(stem == null || stem.amaxNumber().doubleValue() == 0, "no gradient for the frozen stem");
        assertTrue(trainable.gradient().getGradientFor(p + "conv1_W").amaxNumber().doubleValue() > 0);
        // the convolutions reading layer1's output compute no error for it (nothing below learns)
        assertEquals(java.util.Set.of(p + "layer2.0.conv1", p + "layer2.0.downsample.0"), withoutInputError(frozen));
        assertEquals(java.util.Set.of(), withoutInputError(trainable));
    }

    private static java.util.Set<String> withoutInputError(ComputationGraph g) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        g.getConfiguration().getVertices().forEach((name, v) -> {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof io.github.retina4j.models.dl4j.NoRecomputeConvolutionLayer c
                    && !c.isInputError()) {
                names.add(name);
            }
        });
        return names;
    }
}
