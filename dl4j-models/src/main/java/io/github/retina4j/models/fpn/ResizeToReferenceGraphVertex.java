package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.ParameterFreeGraphVertex;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Runtime vertex of {@link ResizeToReferenceVertex}: {@code out = resize(inputs[0])} at the height and width of
 * {@code inputs[1]}. The output is allocated in DL4J's activation workspace and the input gradients in the
 * activation-gradient workspace, so the vertex works with workspaces on or off; the resize's temporaries are
 * allocated outside any workspace (measured on the BFP's resizes at 800×1344 with workspaces on: with the
 * temporaries in DL4J's working-memory workspaces the resizes take 7× their time without workspaces, with the
 * temporaries outside about half as long). Nothing is kept between forward and backward (the resize recomputes what its gradient needs from the
 * stored inputs).
 */
public class ResizeToReferenceGraphVertex extends ParameterFreeGraphVertex {
    private final SpatialResize resize;

    public ResizeToReferenceGraphVertex(ComputationGraph graph, String name, int vertexIndex, SpatialResize resize,
                                        DataType dataType) {
        super(graph, name, vertexIndex, dataType);
        this.resize = resize;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Vertex " + vertexName + ": cannot do forward pass, inputs not set");
        }
        INDArray x = inputs[0], ref = inputs[1];
        checkInputs(x, ref);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
                new long[]{x.size(0), x.size(1), ref.size(2), ref.size(3)}, 'c');
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            resize.forward(x, out);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("Vertex " + vertexName + ": cannot do backward pass, errors not set");
        }
        INDArray x = inputs[0], ref = inputs[1];
        INDArray gradIn = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            resize.backward(x, epsilon, gradIn);
        }
        // the reference only supplies a size
        INDArray gradRef = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, ref.dataType(), ref.shape(), 'c');
        return new Pair<>(null, new INDArray[]{gradIn, gradRef});
    }

    private void checkInputs(INDArray x, INDArray ref) {
        if (x.rank() != 4 || ref.rank() != 4 || x.size(0) != ref.size(0)) {
            throw new IllegalArgumentException("Vertex " + vertexName + " (" + resize.getClass().getSimpleName()
                    + "): expects two [N, C, H, W] inputs with equal N (map, size reference), got "
                    + Arrays.toString(x.shape()) + " and " + Arrays.toString(ref.shape()));
        }
    }

    @Override
    public String toString() {
        return "ResizeToReferenceGraphVertex(id=" + vertexIndex + ", name=\"" + vertexName + "\", resize="
                + resize.getClass().getSimpleName() + ")";
    }
}
