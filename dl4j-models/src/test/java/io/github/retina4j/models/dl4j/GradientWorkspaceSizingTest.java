package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientWorkspaceSizingTest {
    private static final int LAYERS = 12;

    /** A chain of dense layers: more vertices than training iterations here, as in a detector. */
    private static ComputationGraph graph() {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.FLOAT).updater(new Sgd(0.1)).trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED).graphBuilder().addInputs("in");
        String last = "in";
        for (int i = 0; i < LAYERS; i++) {
            b.addLayer("d" + i, new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build(), last);
            last = "d" + i;
        }
        ComputationGraph g = new ComputationGraph(b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nOut(3).activation(Activation.IDENTITY).build(), last)
                .setOutputs("out").setInputTypes(InputType.feedForward(16)).build());
        g.init();
        return g;
    }

    private static MultiDataSet data() {
        Nd4j.getRandom().setSeed(3);
        return new MultiDataSet(Nd4j.rand(DataType.FLOAT, 32, 16), Nd4j.rand(DataType.FLOAT, 32, 3));
    }

    /** The gradient workspaces of this thread that have been used but hold less than their largest use. */
    private static List<String> undersized() {
        List<String> ids = new ArrayList<>();
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (ws.getId().startsWith(GradientWorkspaceSizing.PREFIX) && ws.getCurrentSize() < ws.getMaxCycleAllocations()) {
                ids.add(ws.getId());
            }
        }
        return ids;
    }

    /**
     * Guard for the reason this listener exists: after two iterations DL4J still leaves gradient workspaces it has
     * used unallocated (it sizes them after as many uses as the graph has vertices). When this fails, DL4J sizes them
     * early itself.
     */
    @Test
    void dl4jLeavesUsedGradientWorkspacesUnallocated() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ComputationGraph g = graph();
        MultiDataSet d = data();
        g.fit(d);
        g.fit(d);
        assertFalse(undersized().isEmpty(), "undersized gradient workspaces after two iterations");
    }

    @Test
    void allocatesThemAfterAnIterationWithoutChangingTheTraining() {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ComputationGraph plain = graph();
        MultiDataSet d = data();
        for (int i = 0; i < 4; i++) {
            plain.fit(d);
        }
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ComputationGraph sized = graph();
        sized.addListeners(new GradientWorkspaceSizing());
        sized.fit(d);
        assertEquals(List.of(), undersized(), "after the first iteration");
        for (int i = 1; i < 4; i++) {
            sized.fit(d);
        }
        assertEquals(List.of(), undersized(), "after four");
        assertIdentical("parameters after four iterations", plain.params(), sized.params());
        assertEquals(plain.score(), sized.score(), 0.0);
        assertEquals(0, GradientWorkspaceSizing.allocateLearnedSizes(), "nothing left to allocate");
        assertTrue(sized.getListeners().stream().anyMatch(l -> l instanceof GradientWorkspaceSizing));
    }
}
