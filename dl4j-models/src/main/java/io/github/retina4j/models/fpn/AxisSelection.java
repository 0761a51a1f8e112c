package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An index map along one spatial axis: output position i takes input position {@code source[i]}. Applied as a
 * native {@code gather}; its transpose (the gradient: every input position receives the sum of the gradients of the
 * outputs that read it) is a product with the 0/1 selection matrix S ({@code S[i, source[i]] = 1}), which sums
 * repeated sources correctly where a scatter would race. Index and selection arrays are built once per map,
 * outside any DL4J workspace, and reused.
 */
final class AxisSelection {
    private final int[] source;
    private final int inSize;
    private final boolean identity;
    private final int upsamplingFactor;
    private final INDArray indices;
    private final Map<DataType, INDArray> selection = new ConcurrentHashMap<>();

    AxisSelection(int[] source, int inSize) {
        for (int i = 0; i < source.length; i++) {
            if (source[i] < 0 || source[i] >= inSize) {
                throw new IllegalArgumentException("AxisSelection: source[" + i + "] = " + source[i] + " outside 0.."
                        + (inSize - 1));
            }
        }
        this.source = source.clone();
        this.inSize = inSize;
        boolean id = source.length == inSize;
        for (int i = 0; id && i < source.length; i++) {
            id = source[i] == i;
        }
        this.identity = id;
        int f = source.length % inSize == 0 ? source.length / inSize : 0;
        for (int i = 0; f > 0 && i < source.length; i++) {
            if (source[i] != i / f) {
                f = 0;
            }
        }
        this.upsamplingFactor = f;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.indices = Nd4j.createFromArray(this.source);
        }
    }

    int outSize() {
        return source.length;
    }

    int inSize() {
        return inSize;
    }

    int source(int i) {
        return source[i];
    }

    boolean isIdentity() {
        return identity;
    }

    /** f if this map is exactly {@code i / f} (nearest upsampling by an integer factor f ≥ 1), else 0. */
    int upsamplingFactor() {
        return upsamplingFactor;
    }

    /** {@code out[.., i, ..] = x[.., source[i], ..]} along {@code axis}; {@code out} may be null (allocated). */
    INDArray gather(INDArray x, int axis, INDArray out) {
        if (out == null) {
            long[] shape = x.shape().clone();
            shape[axis] = source.length;
            out = Nd4j.createUninitialized(x.dataType(), shape);
        }
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(x, indices).addIntegerArguments(axis)
                .addOutputs(out).build());
        return out;
    }

    /**
     * Transpose of {@link #gather} along axis 2 or 3 of a rank-4 {@code g}:
     * {@code result[.., r, ..] = Σ_{i : source[i] = r} g[.., i, ..]}.
     */
    INDArray transposeGather(INDArray g, int axis) {
        INDArray s = selection.computeIfAbsent(g.dataType(), this::selectionMatrix);
        long n = g.size(0), c = g.size(1);
        if (axis == 3) {
            long a = g.size(2);
            return g.dup('c').reshape('c', n * c * a, source.length).mmul(s).reshape('c', n, c, a, inSize);
        }
        if (axis != 2) {
            throw new IllegalArgumentException("AxisSelection.transposeGather: axis must be 2 or 3, got " + axis);
        }
        long b = g.size(3);
        INDArray moved = g.permute(0, 1, 3, 2).dup('c').reshape('c', n * c * b, source.length);
        return moved.mmul(s).reshape('c', n, c, b, inSize).permute(0, 1, 3, 2);
    }

    private INDArray selectionMatrix(DataType type) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray s = Nd4j.zeros(type, source.length, inSize);
            for (int i = 0; i < source.length; i++) { // built once per size pair, not in the hot path
                s.putScalar(i, source[i], 1.0);
            }
            return s;
        }
    }
}
