package io.github.retina4j.models.dl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DenseArraysTest {
    @Test
    void denseCOrderArraysPassThroughOthersAreCopied() {
        INDArray dense = Nd4j.rand(DataType.FLOAT, 2, 3, 4);
        assertSame(dense, DenseArrays.cOrder(dense));

        INDArray fOrder = dense.dup('f');
        INDArray fromF = DenseArrays.cOrder(fOrder);
        assertNotSame(fOrder, fromF);
        assertEquals('c', fromF.ordering());
        assertIdentical("c-order copy of an f-order array", dense, fromF);

        INDArray view = dense.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray fromView = DenseArrays.cOrder(view);
        assertNotSame(view, fromView);
        assertFalse(fromView.isView());
        assertIdentical("c-order copy of a view", view, fromView);
    }

    @Test
    void copiesAreMadeOutsideTheOpenWorkspace() {
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf =
                org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
                     Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "DenseArraysTest")) {
            INDArray fOrder = Nd4j.rand(DataType.FLOAT, 3, 4).dup('f');
            assertTrue(fOrder.isAttached());
            assertFalse(DenseArrays.cOrder(fOrder).isAttached());
        }
    }
}
