package io.github.retina4j.models.backbone;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ResidualReluVertex} is DL4J's {@code ElementWiseVertex(Add)} followed by a ReLU {@code ActivationLayer}:
 * identical outputs, gradients and trained parameters (a trainable convolution under each input turns a wrong input
 * error into a wrong gradient), and a double-precision gradient check of its own.
 */
class ResidualReluVertexTest {

    /** Two 1×1 convolutions (branch, shortcut) into the residual sum, a 1×1 convolution and an MSE loss on top. */
    private static ComputationGraphConfiguration configuration(boolean fused, DataType type, WorkspaceMode ws) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(7).dataType(type)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Sgd(0.1))   // gradient checks want no updater
               .trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws).graphBuilder()
                .addInputs("x")
                .addLayer("branch", new ConvolutionLayer.Builder(1, 1).nIn(3).nOut(4).activation(Activation.IDENTITY).build(), "x")
                .addLayer("shortcut", new ConvolutionLayer.Builder(1, 1).nIn(3).nOut(4).activation(Activation.IDENTITY).build(), "x");
        if (fused) {
            g.addVertex("relu", new ResidualReluVertex(), "branch", "shortcut");
        } else {
            g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "branch", "shortcut");
            g.addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add");
        }
        return g.addLayer("top", new ConvolutionLayer.Builder(1, 1).nIn(4).nOut(2).activation(Activation.IDENTITY).build(), "relu")
                .addLayer("out", new CnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build(), "top")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 6, 3)).build();
    }

    private static ComputationGraph graph(boolean fused, DataType type, WorkspaceMode ws) {
        ComputationGraph g = new ComputationGraph(configuration(fused, type, ws));
        g.init();
        return g;
    }

    private static MultiDataSet batch(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new MultiDataSet(Nd4j.randn(type, 2, 3, 5, 6), Nd4j.randn(type, 2, 2, 5, 6));
    }

    @Test
    void identicalToDl4jAddAndReluLayer() {
        for (WorkspaceMode ws : new WorkspaceMode[]{WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
            ComputationGraph dl4j = graph(false, DataType.FLOAT, ws);
            ComputationGraph ours = graph(true, DataType.FLOAT, ws);
            ours.setParams(dl4j.params().dup());
            MultiDataSet mds = batch(DataType.FLOAT, 3);
            INDArray out = ours.outputSingle(mds.getFeatures(0));
            assertIdentical(ws + ": output", dl4j.outputSingle(mds.getFeatures(0)), out);
            for (ComputationGraph g : new ComputationGraph[]{dl4j, ours}) {
                g.setInputs(mds.getFeatures());
                g.setLabels(mds.getLabels());
                g.computeGradientAndScore();
            }
            assertEquals(dl4j.score(), ours.score(), 0.0, ws + ": score");
            Map<String, INDArray> expected = dl4j.gradient().gradientForVariable();
            Map<String, INDArray> actual = ours.gradient().gradientForVariable();
            assertEquals(expected.keySet(), actual.keySet());
            for (String k : expected.keySet()) {
                assertIdentical(ws + ": gradient " + k, expected.get(k), actual.get(k));
            }
            for (int step = 0; step < 3; step++) {
                MultiDataSet b = batch(DataType.FLOAT, 10 + step);
                dl4j.fit(b);
                ours.fit(b);
            }
            assertIdentical(ws + ": parameters after 3 steps", dl4j.params(), ours.params());
        }
    }

    @Test
    @DoublePrecision
    void gradientCheck() {
        ComputationGraph g = graph(true, DataType.DOUBLE, WorkspaceMode.NONE);
        MultiDataSet mds = batch(DataType.DOUBLE, 5);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(mds.getFeatures())
                .labels(mds.getLabels()).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)),
                "gradient check of the residual sum + ReLU");
    }

    @Test
    void survivesJson() {
        ComputationGraphConfiguration conf = configuration(true, DataType.FLOAT, WorkspaceMode.ENABLED);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertInstanceOf(ResidualReluVertex.class, back.getVertices().get("relu"));
        assertEquals(conf, back);
    }

    @Test
    void rejectsInputsOfDifferentShapes() {
        org.deeplearning4j.nn.graph.vertex.GraphVertex v = new ResidualReluVertex().instantiate(null, "layer1.0.relu", 0,
                null, false, DataType.FLOAT);
        v.setInputs(Nd4j.rand(DataType.FLOAT, 2, 4, 5, 6), Nd4j.rand(DataType.FLOAT, 2, 4, 5, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.doForward(false, LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("layer1.0.relu") && e.getMessage().contains("[2, 4, 5, 5]"), e.getMessage());
        v.setEpsilon(Nd4j.rand(DataType.FLOAT, 2, 4, 5, 6));
        assertThrows(IllegalStateException.class, () -> v.doBackward(false, LayerWorkspaceMgr.noWorkspaces()));
    }
}
