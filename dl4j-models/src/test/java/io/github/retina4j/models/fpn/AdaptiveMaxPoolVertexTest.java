package io.github.retina4j.models.fpn;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class AdaptiveMaxPoolVertexTest {
    @Test
    void gradientCheckAtAwkwardSizes() {
        int[][] sizes = {{12, 20, 6, 10}, {6, 10, 2, 3}, {6, 10, 1, 2}, {7, 5, 3, 4}, {3, 5, 6, 10}};
        for (int[] s : sizes) {
            Nd4j.getRandom().setSeed(5 + s[0]);
            assertTrue(ResizeVertexGraphs.gradientCheck(new AdaptiveMaxPoolVertex(), s[0], s[1], s[2], s[3]),
                    "gradient check " + s[0] + "x" + s[1] + " -> " + s[2] + "x" + s[3]);
        }
    }

    @Test
    void outputIsTheAdaptiveMaxPoolAtTheReferenceSize() {
        ComputationGraph g = ResizeVertexGraphs.graph(new AdaptiveMaxPoolVertex(), WorkspaceMode.NONE);
        INDArray[][] d = ResizeVertexGraphs.data(2, 13, 21, 6, 10);
        INDArray mixed = g.feedForward(d[0], false).get("mix");
        INDArray out = g.outputSingle(d[0]);
        INDArray expected = Nd4j.create(DataType.DOUBLE, 2, ResizeVertexGraphs.CHANNELS, 6, 10);
        AdaptiveMaxPool.INSTANCE.forward(mixed, expected);
        assertIdentical("vertex output", expected, out);
    }

    @Test
    void jsonRoundTrip() {
        ResizeVertexGraphs.assertJsonRoundTrip(new AdaptiveMaxPoolVertex(), new NearestResizeVertex());
    }

    /** Same outputs and gradients with DL4J workspaces on as off, over fits at changing sizes. */
    @Test
    void workspacesOnAndOffAgree() {
        ResizeVertexGraphs.assertWorkspacesOnAndOffAgree(new AdaptiveMaxPoolVertex(),
                new int[][]{{12, 20, 6, 10}, {13, 21, 6, 10}, {7, 9, 3, 5}, {12, 20, 6, 10}});
    }
}
