package io.github.retina4j.models.fpn;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.function.Supplier;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The two run-time resize vertices of the balanced pyramid, {@link AdaptiveMaxPoolVertex} and
 * {@link NearestResizeVertex}, in a graph: gradients, output, JSON and workspaces. Sizes are (inH, inW, outH, outW).
 */
@DoublePrecision
class ResizeVertexTest {

    /**
     * One vertex under test.
     *
     * @param name           shown in the test report
     * @param vertex         a fresh vertex
     * @param op             the op it applies
     * @param other          a vertex of the other kind (must not compare equal)
     * @param gradientSizes  awkward sizes for gradient checks
     * @param outputSize     the size of the output check
     * @param workspaceSizes sizes of consecutive fits in the workspace check
     */
    record Case(String name, Supplier<GraphVertex> vertex, SpatialResize op, Supplier<GraphVertex> other,
                int[][] gradientSizes, int[] outputSize, int[][] workspaceSizes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("adaptive max pool", AdaptiveMaxPoolVertex::new, AdaptiveMaxPool.INSTANCE, NearestResizeVertex::new,
                        new int[][]{{12, 20, 6, 10}, {6, 10, 2, 3}, {6, 10, 1, 2}, {7, 5, 3, 4}, {3, 5, 6, 10}},
                        new int[]{13, 21, 6, 10},
                        new int[][]{{12, 20, 6, 10}, {13, 21, 6, 10}, {7, 9, 3, 5}, {12, 20, 6, 10}}),
                new Case("nearest", NearestResizeVertex::new, NearestResize.INSTANCE, AdaptiveMaxPoolVertex::new,
                        new int[][]{{2, 3, 6, 10}, {1, 2, 6, 10}, {3, 5, 6, 10}, {7, 5, 3, 4}, {6, 10, 2, 3}},
                        new int[]{2, 3, 6, 10},
                        new int[][]{{2, 3, 6, 10}, {6, 10, 12, 20}, {3, 5, 7, 9}, {2, 3, 6, 10}}));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gradientCheckAtAwkwardSizes(Case c) {
        for (int[] s : c.gradientSizes()) {
            Nd4j.getRandom().setSeed(5 + s[0]);
            assertTrue(ResizeVertexGraphs.gradientCheck(c.vertex().get(), s[0], s[1], s[2], s[3]),
                    "gradient check " + s[0] + "x" + s[1] + " -> " + s[2] + "x" + s[3]);
        }
    }

    /** The vertex's output is its op applied at the reference input's size. */
    @ParameterizedTest
    @MethodSource("cases")
    void outputIsTheOpAtTheReferenceSize(Case c) {
        int[] s = c.outputSize();
        ComputationGraph g = ResizeVertexGraphs.graph(c.vertex().get(), WorkspaceMode.NONE);
        INDArray[][] d = ResizeVertexGraphs.data(2, s[0], s[1], s[2], s[3]);
        INDArray mixed = g.feedForward(d[0], false).get("mix");
        INDArray out = g.outputSingle(d[0]);
        INDArray expected = Nd4j.create(DataType.DOUBLE, 2, ResizeVertexGraphs.CHANNELS, s[2], s[3]);
        c.op().forward(mixed, expected);
        assertIdentical("vertex output", expected, out);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void jsonRoundTrip(Case c) {
        ResizeVertexGraphs.assertJsonRoundTrip(c.vertex().get(), c.other().get());
    }

    /** Same outputs and gradients with DL4J workspaces on as off, over fits at changing sizes. */
    @ParameterizedTest
    @MethodSource("cases")
    void workspacesOnAndOffAgree(Case c) {
        ResizeVertexGraphs.assertWorkspacesOnAndOffAgree(c.vertex().get(), c.workspaceSizes());
    }
}
