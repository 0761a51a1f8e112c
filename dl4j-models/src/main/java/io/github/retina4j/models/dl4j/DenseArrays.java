package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The dense c-order arrays the hand-written runtimes ({@code SharedHeadGraphVertex}, {@code NonLocalBlockGraphVertex})
 * hand to raw libnd4j ops and address by offset arithmetic.
 */
public final class DenseArrays {
    private DenseArrays() {
    }

    /**
     * {@code a} itself if it is a c-order array that is not a view, else a c-order copy made outside any DL4J
     * workspace, so a runtime may keep it from its forward to its backward pass (a copy in the open workspace could
     * be overwritten in between).
     */
    public static INDArray cOrder(INDArray a) {
        if (a.ordering() == 'c' && !a.isView()) {
            return a;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return a.dup('c');
        }
    }
}
