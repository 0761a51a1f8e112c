package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 * {@link NonLocalBlockGraphVertex} against DL4J's SameDiff execution of {@link NonLocalBlockVertex#defineVertex}
 * (the reference), in double precision: outputs, every gradient (a trainable 1×1 conv below the block turns wrong
 * input errors into a wrong gradient), training runs; plus a gradient check and float32 vs double.
 */
class NonLocalBlockGraphVertexTest {
    private static final int C = 4;
    private static final int CI = 3;

    private static ComputationGraph graph(VertexBackend backend, DataType type, boolean useScale, WorkspaceMode ws,
                                          org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(type).updater(updater)
                .trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws).graphBuilder()
                .addInputs("x").setInputTypes(InputType.convolutional(5, 3, C))
                .addLayer("below", new ConvolutionLayer.Builder(1, 1).nIn(C).nOut(C).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "x")
                .addVertex("refine", new NonLocalBlockVertex(C, CI, useScale).withBackend(backend), "below")
                .addLayer("out", new CnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY)
                        .build(), "refine")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // conv_out starts at zero (the block is the identity): randomise every parameter so all paths are exercised
        Nd4j.getRandom().setSeed(9);
        // (graph.numParams() counts layer parameters only, not the vertex's)
        g.setParams(Nd4j.randn(type, 1, g.params().length()).muli(0.4));
        return g;
    }

    private static ComputationGraph graph(VertexBackend backend, DataType type, boolean useScale) {
        // the SameDiff reference only without workspaces (RetinaNet#WORKSPACES_WITH_SAMEDIFF)
        return graph(backend, type, useScale, WorkspaceMode.NONE, new Sgd(0.1));
    }

    private static MultiDataSet batch(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new MultiDataSet(Nd4j.randn(type, 2, C, 5, 3), Nd4j.randn(type, 2, C, 5, 3));
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale || diff <= 1e-14, what + ": max |difference| " + diff + " > " + tol + " × " + scale);
    }

    @Test
    void handWrittenByDefault() {
        assertEquals(VertexBackend.NATIVE_OPS, new NonLocalBlockVertex(4, 2, false).getBackend());
        assertInstanceOf(NonLocalBlockGraphVertex.class, graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, false).getVertex("refine"));
    }

    @Test
    void sameOutputAndGradientsAsSameDiff() {
        for (boolean useScale : new boolean[]{false, true}) {
            ComputationGraph ref = graph(VertexBackend.SAMEDIFF, DataType.DOUBLE, useScale);
            ComputationGraph nat = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, useScale);
            MultiDataSet mds = batch(DataType.DOUBLE, 3);
            assertClose(ref.outputSingle(mds.getFeatures(0)), nat.outputSingle(mds.getFeatures(0)), 1e-12, "output");
            for (ComputationGraph g : new ComputationGraph[]{ref, nat}) {
                g.setInputs(mds.getFeatures());
                g.setLabels(mds.getLabels());
                g.computeGradientAndScore();
            }
            assertEquals(ref.score(), nat.score(), 1e-12);
            Map<String, INDArray> expected = ref.gradient().gradientForVariable();
            Map<String, INDArray> actual = nat.gradient().gradientForVariable();
            assertEquals(expected.keySet(), actual.keySet());
            for (String key : expected.keySet()) {
                // b_φ adds θ_iᵀb_φ to a whole softmax row, which the softmax ignores: its gradient is 0 up to rounding
                if (!key.endsWith("phib")) {
                    assertTrue(expected.get(key).amaxNumber().doubleValue() > 1e-6, key + ": every parameter gets a gradient");
                }
                assertClose(expected.get(key), actual.get(key), 1e-10, key + " (useScale " + useScale + ")");
            }
        }
    }

    @Test
    void trainsLikeSameDiffAndWorkspacesChangeNothing() {
        ComputationGraph ref = graph(VertexBackend.SAMEDIFF, DataType.DOUBLE, false);
        ComputationGraph nat = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, false);
        ComputationGraph ws = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, false, WorkspaceMode.ENABLED, new Sgd(0.1));
        for (int step = 0; step < 3; step++) {
            MultiDataSet mds = batch(DataType.DOUBLE, 20 + step);
            ref.fit(mds);
            nat.fit(mds);
            ws.fit(mds);
        }
        assertClose(ref.params(), nat.params(), 1e-10, "parameters after 3 SGD steps");
        assertIdentical("parameters, workspaces on vs off", nat.params(), ws.params());
    }

    @Test
    void singlePrecisionTracksDouble() {
        ComputationGraph d = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, true);
        ComputationGraph f = graph(VertexBackend.NATIVE_OPS, DataType.FLOAT, true);
        f.setParams(d.params().castTo(DataType.FLOAT));
        MultiDataSet mds = batch(DataType.DOUBLE, 4);
        assertClose(d.outputSingle(mds.getFeatures(0)), f.outputSingle(mds.getFeatures(0).castTo(DataType.FLOAT)), 1e-5,
                "float32 vs double output");
    }

    @Test
    @DoublePrecision
    void gradientCheck() {
        ComputationGraph g = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, true, WorkspaceMode.NONE, new NoOp());
        MultiDataSet mds = batch(DataType.DOUBLE, 8);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(mds.getFeatures()).labels(mds.getLabels())
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)), "gradient check of the non-local block");
    }

    @Test
    void backendSurvivesJson() {
        ComputationGraph g = graph(VertexBackend.SAMEDIFF, DataType.DOUBLE, false);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(VertexBackend.SAMEDIFF, ((NonLocalBlockVertex) back.getVertices().get("refine")).getBackend());
        assertEquals(g.getConfiguration().getVertices().get("refine"), back.getVertices().get("refine"));
    }

    @Test
    void backwardWithoutTrainingForwardIsAClearError() {
        ComputationGraph g = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, false);
        NonLocalBlockGraphVertex v = (NonLocalBlockGraphVertex) g.getVertex("refine");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> v.doBackward(false, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("refine"), e.getMessage());
    }
}
