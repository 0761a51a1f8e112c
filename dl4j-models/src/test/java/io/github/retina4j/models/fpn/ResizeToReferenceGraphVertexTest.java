package io.github.retina4j.models.fpn;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

class ResizeToReferenceGraphVertexTest {

    private static GraphVertex vertex(SpatialResize resize) {
        return new ResizeToReferenceGraphVertex(null, "v", 0, resize, DataType.FLOAT);
    }

    @Test
    void resizesToTheReferenceAndGivesTheReferenceAZeroGradient() {
        for (SpatialResize r : new SpatialResize[]{NearestResize.INSTANCE, AdaptiveMaxPool.INSTANCE}) {
            GraphVertex v = vertex(r);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 7, 5);
            INDArray ref = Nd4j.rand(DataType.FLOAT, 2, 8, 3, 4);
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            v.setInputs(x, ref);
            INDArray out = v.doForward(true, mgr);
            assertArrayEquals(new long[]{2, 3, 3, 4}, out.shape());
            INDArray expected = Nd4j.create(DataType.FLOAT, 2, 3, 3, 4);
            r.forward(x, expected);
            assertIdentical(r + " output", expected, out);

            INDArray eps = Nd4j.rand(DataType.FLOAT, 2, 3, 3, 4);
            v.setEpsilon(eps);
            Pair<Gradient, INDArray[]> back = v.doBackward(false, mgr);
            assertNull(back.getFirst(), "no parameters, no parameter gradient");
            INDArray expectedGrad = Nd4j.create(DataType.FLOAT, x.shape());
            r.backward(x, eps, expectedGrad);
            assertIdentical(r + " input gradient", expectedGrad, back.getSecond()[0]);
            assertArrayEquals(ref.shape(), back.getSecond()[1].shape());
            assertEquals(0.0, back.getSecond()[1].amaxNumber().doubleValue());
        }
    }

    @Test
    void rejectsInputsThatAreNotMatchingNchwMaps() {
        GraphVertex v = vertex(NearestResize.INSTANCE);
        v.setInputs(Nd4j.rand(DataType.FLOAT, 2, 3, 7, 5), Nd4j.rand(DataType.FLOAT, 1, 3, 3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.doForward(false, LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("[2, 3, 7, 5]") && e.getMessage().contains("Vertex v"), e.getMessage());
        v.setInputs(Nd4j.rand(DataType.FLOAT, 2, 3), Nd4j.rand(DataType.FLOAT, 2, 3, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> v.doForward(false, LayerWorkspaceMgr.noWorkspaces()));
        assertThrows(IllegalStateException.class, () -> v.setBackpropGradientsViewArray(Nd4j.zeros(1)));
    }
}
