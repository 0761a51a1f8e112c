package io.github.retina4j.models.heads;

import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SharedHeadGraphVertex} (raw conv ops) against DL4J's SameDiff execution of the same
 * {@link SharedHeadVertex#defineVertex} definition, which is the reference: outputs, parameter gradients, the
 * errors sent to the layers below, and whole training runs must agree. A trainable 1×1 conv per level sits below
 * the head, so wrong input errors show up in its gradient.
 */
class SharedHeadGraphVertexTest {
    private static final int LEVELS = 3;
    private static final int IN = 4;

    private static ComputationGraph graph(VertexBackend backend, DataType type, int convs, int anchors, int k) {
        return graph(backend, type, convs, anchors, k, RetinaNet.WORKSPACES_WITH_SAMEDIFF);
    }

    /**
     * The SameDiff reference runs without workspaces, as the project runs SameDiff vertices: with DL4J's per-thread workspaces
     * on, a SameDiff vertex trained alternately with another graph on the same thread goes NaN at its third step
     * (measured), which makes it useless as a reference.
     */
    private static ComputationGraph graph(VertexBackend backend, DataType type, int convs, int anchors, int k,
                                          WorkspaceMode workspaces) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(11).dataType(type)
                .trainingWorkspaceMode(workspaces).inferenceWorkspaceMode(workspaces)
                .updater(new Sgd(0.05)).graphBuilder();
        String[] in = new String[LEVELS];
        String[] below = new String[LEVELS];
        for (int i = 0; i < LEVELS; i++) {
            in[i] = "in" + i;
            below[i] = "lateral" + i;
        }
        b.addInputs(in);
        for (int i = 0; i < LEVELS; i++) {
            b.addLayer(below[i], new ConvolutionLayer.Builder(1, 1).nIn(IN).nOut(IN).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.IDENTITY).build(), in[i]);
        }
        SharedHeadVertex head = new SharedHeadVertex(LEVELS, IN, 6, convs, anchors, k, "clsLogits", 0.3, -0.5)
                .withBackend(backend);
        b.addVertex("head", head, below);
        b.addLayer("out", new RnnLossLayer.Builder().lossFunction(new LossMSE()).activation(Activation.IDENTITY).build(),
                "head");
        b.setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray[] levels(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new INDArray[]{Nd4j.randn(type, 2, IN, 6, 5), Nd4j.randn(type, 2, IN, 3, 3), Nd4j.randn(type, 2, IN, 1, 2)};
    }

    private static MultiDataSet batch(DataType type, int anchors, int k, long seed) {
        INDArray[] x = levels(type, seed);
        long total = (30 + 9 + 2) * (long) anchors;
        INDArray labels = Nd4j.rand(type, 2, k, total);
        INDArray mask = Nd4j.rand(type, 2, total).gt(0.3).castTo(type);
        return new MultiDataSet(x, new INDArray[]{labels}, null, new INDArray[]{mask});
    }

    private static ComputationGraph[] pair(DataType type, int convs, int anchors, int k) {
        ComputationGraph sd = graph(VertexBackend.SAMEDIFF, type, convs, anchors, k);
        ComputationGraph nat = graph(VertexBackend.NATIVE_OPS, type, convs, anchors, k);
        nat.setParams(sd.params().dup());
        return new ComputationGraph[]{sd, nat};
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(expected.length(), actual.length(), what + ": length");
        double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol + " × " + scale);
    }

    @Test
    void instantiatesTheHandWrittenVertexByDefault() {
        ComputationGraph g = graph(VertexBackend.NATIVE_OPS, DataType.FLOAT, 1, 2, 3);
        GraphVertex v = g.getVertex("head");
        assertInstanceOf(SharedHeadGraphVertex.class, v);
        assertEquals(VertexBackend.NATIVE_OPS, new SharedHeadVertex(1, 1, 1, 1, 1, 1, "x", 0.1, 0).getBackend());
        assertTrue(!(graph(VertexBackend.SAMEDIFF, DataType.FLOAT, 1, 2, 3).getVertex("head") instanceof SharedHeadGraphVertex));
    }

    @Test
    void sameOutputsAndGradientsAsSameDiffInDoublePrecision() {
        for (int convs : new int[]{0, 1, 3}) {
            ComputationGraph[] g = pair(DataType.DOUBLE, convs, 3, 2);
            MultiDataSet mds = batch(DataType.DOUBLE, 3, 2, 5 + convs);
            assertClose(g[0].output(false, mds.getFeatures())[0], g[1].output(false, mds.getFeatures())[0], 1e-12,
                    "inference output, " + convs + " convs");
            for (ComputationGraph graph : g) {
                graph.setInputs(mds.getFeatures());
                graph.setLabels(mds.getLabels());
                graph.setLayerMaskArrays(null, mds.getLabelsMaskArrays());
                graph.computeGradientAndScore();
            }
            assertEquals(g[0].score(), g[1].score(), 1e-12, "score, " + convs + " convs");
            Map<String, INDArray> expected = g[0].gradient().gradientForVariable();
            Map<String, INDArray> actual = g[1].gradient().gradientForVariable();
            assertEquals(expected.keySet(), actual.keySet());
            for (String key : expected.keySet()) {
                // the lateral convs' gradients are made of the errors the head sent to its inputs
                assertClose(expected.get(key), actual.get(key), 1e-10, key + ", " + convs + " convs");
            }
        }
    }

    /** Several SGD steps in double precision: identical scores and parameters to SameDiff's execution. */
    @Test
    void trainsLikeSameDiff() {
        ComputationGraph[] g = pair(DataType.DOUBLE, 2, 2, 5);
        for (int step = 0; step < 3; step++) {
            MultiDataSet mds = batch(DataType.DOUBLE, 2, 5, 100 + step);
            g[0].fit(mds);
            g[1].fit(mds);
            assertEquals(g[0].score(), g[1].score(), 0.0, "score at step " + step);
        }
        assertIdentical("parameters after 3 SGD steps", g[0].params(), g[1].params());
    }

    /**
     * Float32 runs on oneDNN: four SGD steps from the same parameters track the double-precision (generic kernel) run
     * to float rounding, so the oneDNN path and the buffer reuse across steps are right.
     */
    @Test
    void singlePrecisionTracksDoublePrecision() {
        ComputationGraph d = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, 2, 2, 5);
        ComputationGraph f = graph(VertexBackend.NATIVE_OPS, DataType.FLOAT, 2, 2, 5);
        f.setParams(d.params().castTo(DataType.FLOAT));
        for (int step = 0; step < 4; step++) {
            MultiDataSet md = batch(DataType.DOUBLE, 2, 5, 100 + step);
            d.fit(md);
            f.fit(toFloat(md));
            assertEquals(d.score(), f.score(), 1e-5 * Math.abs(d.score()), "score at step " + step);
        }
        assertClose(d.params(), f.params(), 1e-5, "parameters after 4 SGD steps");
        INDArray[] x = levels(DataType.DOUBLE, 7);
        assertClose(d.outputSingle(x), f.outputSingle(toFloat(x)), 1e-5, "output after training");
    }

    private static INDArray[] toFloat(INDArray[] a) {
        INDArray[] r = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] == null ? null : a[i].castTo(DataType.FLOAT);
        }
        return r;
    }

    private static MultiDataSet toFloat(MultiDataSet m) {
        return new MultiDataSet(toFloat(m.getFeatures()), toFloat(m.getLabels()), null, toFloat(m.getLabelsMaskArrays()));
    }

    /**
     * The hand-written vertex under DL4J workspaces (how RetinaNet trains, RetinaNet#workspaceMode):
     * three SGD steps give the same parameters as without.
     */
    @Test
    void workspacesOnAndOffTrainAlike() {
        ComputationGraph off = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, 2, 2, 5);
        ComputationGraph on = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, 2, 2, 5, WorkspaceMode.ENABLED);
        on.setParams(off.params().dup());
        for (int step = 0; step < 3; step++) {
            off.fit(batch(DataType.DOUBLE, 2, 5, 100 + step));
            on.fit(batch(DataType.DOUBLE, 2, 5, 100 + step));
            assertEquals(off.score(), on.score(), 1e-12 * Math.abs(off.score()), "score at step " + step);
        }
        assertClose(off.params(), on.params(), 1e-12, "parameters after 3 steps, workspaces on vs off");
    }

    @Test
    void trainingAndInferenceForwardAgree() {
        ComputationGraph g = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, 2, 2, 3);
        INDArray[] x = levels(DataType.DOUBLE, 3);
        INDArray train = g.feedForward(x, true).get("head").dup();
        INDArray infer = g.feedForward(x, false).get("head");
        assertClose(train, infer, 0.0, "training vs inference forward");
    }

    @Test
    void backwardWithoutTrainingForwardIsAClearError() {
        ComputationGraph g = graph(VertexBackend.NATIVE_OPS, DataType.DOUBLE, 1, 1, 1);
        SharedHeadGraphVertex v = (SharedHeadGraphVertex) g.getVertex("head");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> v.doBackward(false, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("head"), e.getMessage());
    }

    @Test
    void backendSurvivesJsonAndDefaultsWhenAbsent() {
        ComputationGraph g = graph(VertexBackend.SAMEDIFF, DataType.FLOAT, 1, 1, 2);
        String json = g.getConfiguration().toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(VertexBackend.SAMEDIFF, ((SharedHeadVertex) back.getVertices().get("head")).getBackend());
        // a model file without a "backend" field
        String without = json.replaceAll(",?\\s*\"backend\"\\s*:\\s*\"SAMEDIFF\"", "");
        assertTrue(!without.contains("backend"), "the field is still in the JSON");
        ComputationGraphConfiguration defaulted = ComputationGraphConfiguration.fromJson(without);
        assertEquals(VertexBackend.NATIVE_OPS, ((SharedHeadVertex) defaulted.getVertices().get("head")).getBackend());
        SharedHeadVertex v = new SharedHeadVertex(1, 1, 1, 1, 1, 1, "x", 0.1, 0);
        v.setBackend(null);
        assertEquals(VertexBackend.NATIVE_OPS, v.getBackend());
    }
}
