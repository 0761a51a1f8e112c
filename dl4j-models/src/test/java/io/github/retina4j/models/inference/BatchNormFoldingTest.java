package io.github.retina4j.models.inference;

import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormFoldingTest {

    /** ResNet-50's structure (53 batch norms) at width 4, so that the whole graph runs in milliseconds. */
    static ComputationGraph tinyResNet50RetinaNet(boolean frozenBatchNorm) {
        RetinaNetConfig config = new RetinaNetConfig.Builder(3)
                .backbone(new ResNetConfig(50, frozenBatchNorm, 1, 4)).fpn(new FpnConfig(16, FpnConfig.P6Source.P5))
                .head(new HeadConfig(16, 2, HeadConfig.DEFAULT_NUM_ANCHORS, HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD))
                .classLoss(new org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT()).boxLoss(new org.nd4j.linalg.lossfunctions.impl.LossL1()).build();
        ComputationGraph g = RetinaNet.build(config);
        randomiseNorms(g);
        return g;
    }

    /** Statistics far from the identity of a fresh model, so that a wrong fold cannot pass unnoticed. */
    private static void randomiseNorms(ComputationGraph g) {
        Nd4j.getRandom().setSeed(7);
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : g.getVertices()) {
            if (!v.getVertexName().matches(".*(bn\\d|downsample\\.1)$")) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : v.paramTable(false).entrySet()) {
                INDArray r = Nd4j.rand(p.getValue().dataType(), p.getValue().shape());
                switch (p.getKey()) {
                    case "var" -> p.getValue().assign(r.muli(2).addi(0.1));
                    case "log10stdev" -> p.getValue().assign(r.subi(0.5).muli(0.6));
                    default -> p.getValue().assign(r.muli(1.5).addi(0.25));  // scale, shift, gamma, beta, mean
                }
            }
        }
    }

    private static INDArray[] outputs(ComputationGraph g, INDArray x) {
        INDArray[] out = g.output(false, x);
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].dup();
        }
        return out;
    }

    private static void assertFoldedMatches(ComputationGraph g) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 96).subi(0.5).muli(4);
        INDArray flatBefore = g.params().dup();
        INDArray[] expected = outputs(g, x);
        ComputationGraph folded = BatchNormFolding.fold(g);
        INDArray[] actual = outputs(folded, x);
        assertEquals(flatBefore, g.params(), "the source graph is left as it was");
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(java.util.Arrays.equals(expected[i].shape(), actual[i].shape()));
            // float32 round-off of 53 reassociated products through 50 layers, relative to the outputs' magnitude
            double scale = expected[i].amaxNumber().doubleValue();
            double diff = expected[i].sub(actual[i]).amaxNumber().doubleValue();
            assertTrue(diff <= 2e-4 * scale, "output " + i + ": max |Δ| " + diff + " vs max |y| " + scale);
        }
    }

    @Test
    void foldsEveryFrozenBatchNormOfResNet50AndKeepsTheOutputs() {
        ComputationGraph g = tinyResNet50RetinaNet(true);
        assertEquals(53, BatchNormFolding.foldable(g.getConfiguration()));
        assertFoldedMatches(g);
        ComputationGraph folded = BatchNormFolding.fold(g);
        assertEquals(0, BatchNormFolding.foldable(folded.getConfiguration()));
        assertEquals(g.getVertices().length - 53, folded.getVertices().length);
        assertFalse(folded.getConfiguration().getVertices().containsKey(ResNetConfig.PREFIX + "layer1.0.bn1"));
        // torchvision's weight names stay: the folded convolutions keep theirs
        assertTrue(folded.getConfiguration().getVertices().containsKey(ResNetConfig.PREFIX + "layer1.0.conv1"));
    }

    @Test
    void leavesDl4jBatchNormalizationAsItIs() {
        ComputationGraph g = tinyResNet50RetinaNet(false);
        assertTrue(g.getConfiguration().getVertices().get(ResNetConfig.PREFIX + "layer2.0.bn1") instanceof LayerVertex lv
                && lv.getLayerConf().getLayer() instanceof BatchNormalization);
        assertEquals(0, BatchNormFolding.foldable(g.getConfiguration()));
        assertSame(g, BatchNormFolding.fold(g));
    }

    @Test
    void aGraphWithoutBatchNormsIsReturnedAsItIs() {
        ComputationGraph g = RetinaNet.build(new RetinaNetConfig.Builder(3).backbone(new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}))
                .fpn(new FpnConfig(8, FpnConfig.P6Source.P5))
                .head(new HeadConfig(8, 1, HeadConfig.DEFAULT_NUM_ANCHORS, HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD))
                .classLoss(new org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT()).boxLoss(new org.nd4j.linalg.lossfunctions.impl.LossL1()).build());
        assertSame(g, BatchNormFolding.fold(g));
    }
}
