package io.github.retina4j.models.fpn;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * Test graphs around one resize vertex: inputs {@code x} and {@code ref}; a 1×1 convolution {@code mix} on x (so
 * that a gradient check has parameters upstream of the vertex), the vertex {@code resize(mix, ref)}, and an MSE
 * {@link CnnLossLayer} {@code out}.
 */
final class ResizeVertexGraphs {
    static final int CHANNELS = 2;

    private ResizeVertexGraphs() {
    }

    static ComputationGraphConfiguration configuration(GraphVertex resize, WorkspaceMode mode) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.DOUBLE).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode).graphBuilder()
                .addInputs("x", "ref")
                .addLayer("mix", new ConvolutionLayer.Builder(1, 1).nIn(CHANNELS).nOut(CHANNELS)
                        .activation(Activation.IDENTITY).build(), "x")
                .addVertex("resize", resize, "mix", "ref")
                .addLayer("out", new CnnLossLayer.Builder().lossFunction(new LossMSE())
                        .activation(Activation.IDENTITY).build(), "resize")
                .setOutputs("out");
        return b.build();
    }

    static ComputationGraph graph(GraphVertex resize, WorkspaceMode mode) {
        ComputationGraph g = new ComputationGraph(configuration(resize, mode));
        g.init();
        return g;
    }

    /** Inputs {x [n, C, inH, inW], ref [n, 1, outH, outW]} and labels [n, C, outH, outW]. */
    static INDArray[][] data(int n, int inH, int inW, int outH, int outW) {
        return new INDArray[][]{
                {Nd4j.randn(DataType.DOUBLE, n, CHANNELS, inH, inW), Nd4j.rand(DataType.DOUBLE, n, 1, outH, outW)},
                {Nd4j.randn(DataType.DOUBLE, n, CHANNELS, outH, outW)}};
    }

    static boolean gradientCheck(GraphVertex resize, int inH, int inW, int outH, int outW) {
        ComputationGraph g = graph(resize, WorkspaceMode.NONE);
        INDArray[][] d = data(2, inH, inW, outH, outW);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g).inputs(d[0]).labels(d[1])
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
    }

    /** The vertex survives a JSON round trip of its graph as an equal vertex of its own class, unequal to {@code other}. */
    static void assertJsonRoundTrip(GraphVertex resize, GraphVertex other) {
        ComputationGraphConfiguration conf = configuration(resize, WorkspaceMode.NONE);
        String json = conf.toJson();
        org.junit.jupiter.api.Assertions.assertTrue(json.contains(resize.getClass().getName()), json);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        GraphVertex v = back.getVertices().get("resize");
        org.junit.jupiter.api.Assertions.assertInstanceOf(resize.getClass(), v);
        org.junit.jupiter.api.Assertions.assertEquals(resize, v);
        org.junit.jupiter.api.Assertions.assertNotEquals(other, v);
        org.junit.jupiter.api.Assertions.assertEquals(conf, back);
        org.junit.jupiter.api.Assertions.assertEquals(resize, resize.clone());
    }

    /** Same scores, gradients and outputs with DL4J workspaces on as off, over fits at the given size quadruples. */
    static void assertWorkspacesOnAndOffAgree(GraphVertex resize, int[][] sizes) {
        ComputationGraph off = graph(resize, WorkspaceMode.NONE);
        ComputationGraph on = graph(resize, WorkspaceMode.ENABLED);
        on.setParams(off.params().dup());
        for (int[] s : sizes) {
            INDArray[][] d = data(3, s[0], s[1], s[2], s[3]);
            for (ComputationGraph g : new ComputationGraph[]{off, on}) {
                g.setInputs(d[0]);
                g.setLabels(d[1]);
                g.computeGradientAndScore();
            }
            String at = resize + " at " + java.util.Arrays.toString(s);
            org.junit.jupiter.api.Assertions.assertEquals(off.score(), on.score(), 0.0, at + ": score");
            io.github.retina4j.testsupport.ExactArrays.assertIdentical(at + ": gradient", off.gradient().gradient(), on.gradient().gradient());
            io.github.retina4j.testsupport.ExactArrays.assertIdentical(at + ": output", off.outputSingle(d[0]), on.outputSingle(d[0]));
        }
    }
}
