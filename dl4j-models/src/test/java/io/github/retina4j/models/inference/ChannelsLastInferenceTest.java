package io.github.retina4j.models.inference;

import io.github.retina4j.models.dl4j.ChannelOrderVertex;

import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelsLastInferenceTest {

    /** The copy on [N, H, W, 3] gives the graph's outputs on [N, 3, H, W] to float32 round-off. */
    private static void assertSameOutputs(ComputationGraph graph, ComputationGraph copy) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 96).subi(0.5).muli(4);
        INDArray[] expected = graph.output(false, x);
        for (int i = 0; i < expected.length; i++) {
            expected[i] = expected[i].dup();
        }
        INDArray[] actual = copy.output(false, x.permute(0, 2, 3, 1).dup('c'));
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(java.util.Arrays.equals(expected[i].shape(), actual[i].shape()), "output " + i);
            double scale = expected[i].amaxNumber().doubleValue();
            double diff = expected[i].sub(actual[i]).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-4 * scale, "output " + i + ": max |Δ| " + diff + " vs max |y| " + scale);
        }
    }

    private static long converters(ComputationGraph g, CNN2DFormat to) {
        return g.getConfiguration().getVertices().values().stream()
                .filter(v -> v instanceof ChannelOrderVertex c && c.to() == to).count();
    }

    @Test
    void resNet50RetinaNetRunsChannelsLastFromInputToHeads() {
        ComputationGraph folded = BatchNormFolding.fold(BatchNormFoldingTest.tinyResNet50RetinaNet(true));
        ComputationGraph copy = ChannelsLastInference.convert(folded);
        assertNotNull(copy);
        assertSameOutputs(folded, copy);
        // the whole network is channels-last: no copy in either direction
        assertEquals(0, converters(copy, CNN2DFormat.NHWC));
        assertEquals(0, converters(copy, CNN2DFormat.NCHW));
        // Detector's replicas are clones: the channels-last form survives cloning
        INDArray nhwc = Nd4j.rand(DataType.FLOAT, 1, 64, 96, 3);
        INDArray[] once = copy.output(false, nhwc);
        INDArray first = once[0].dup();
        assertEquals(first, copy.clone().output(false, nhwc)[0]);
        assertThrows(UnsupportedOperationException.class, () -> copy.fit(new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {Nd4j.rand(DataType.FLOAT, 1, 64, 96, 3)}, copy.output(Nd4j.rand(DataType.FLOAT, 1, 64, 96, 3)))),
                "the copy is for inference");
    }

    @Test
    void unfoldedFrozenBatchNormsRunChannelsLastToo() {
        ComputationGraph graph = BatchNormFoldingTest.tinyResNet50RetinaNet(true);
        ComputationGraph copy = ChannelsLastInference.convert(graph);
        assertSameOutputs(graph, copy);
        assertEquals(0, converters(copy, CNN2DFormat.NHWC));
        assertEquals(0, converters(copy, CNN2DFormat.NCHW));
    }

    @Test
    void libraRunsItsBalancedPyramidInNchwBetweenChannelsLastStages() {
        ComputationGraph graph = RetinaNet.build(RetinaNet.small(3).balancedPyramid(BfpConfig.paper()).build());
        ComputationGraph copy = ChannelsLastInference.convert(graph);
        assertNotNull(copy);
        assertSameOutputs(graph, copy);
        assertTrue(converters(copy, CNN2DFormat.NCHW) > 0, "the pyramid's own vertices take NCHW");
    }

    @Test
    void sameDiffHeadsKeepNchwBehindACopy() {
        ComputationGraph graph = RetinaNet.build(RetinaNet.small(3).build());
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        conf.getVertices().replaceAll((name, v) -> v instanceof io.github.retina4j.models.heads.SharedHeadVertex h
                ? h.withBackend(io.github.retina4j.models.dl4j.VertexBackend.SAMEDIFF) : v);
        ComputationGraph sameDiff = new ComputationGraph(conf);
        sameDiff.init(graph.params().dup(), false);
        ComputationGraph copy = ChannelsLastInference.convert(sameDiff);
        assertNotNull(copy);
        assertSameOutputs(sameDiff, copy);
        assertTrue(converters(copy, CNN2DFormat.NCHW) > 0, "the SameDiff heads take NCHW");
    }

    @Test
    void aGraphWithoutTheModelsConvolutionsIsNotConverted() {
        assertNull(ChannelsLastInference.convert(TinyDetectionModel.graph(12)));
    }
}
