package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;


/**
 * A non-decreasing index map along one spatial axis: output position i takes input position {@code source[i]}
 * (nearest resizes and the k-th positions of adaptive pooling windows are all non-decreasing). Applied as a native
 * {@code gather}. Its transpose (the gradient: every input position r receives the sum of the gradients of the
 * outputs that read it) is a segment sum over the run of outputs {@code first(r) .. first(r) + count(r) − 1}, done
 * as M gathers (M = the longest run) from the gradient padded with one zero slot, which shorter or empty runs
 * read: exact, summed in output order like torch's backward loops, and with no scatter (which would race on
 * repeated sources) nor matrix product (slow for these skinny shapes: 10 ms for a [12800, 21]·[21, 84] sgemm
 * here against 1.2 ms for a gather of the same output). Index arrays are built once per map, outside any DL4J
 * workspace, and reused.
 */
final class AxisSelection {
    private final int[] source;
    private final int inSize;
    private final boolean identity;
    private final int upsamplingFactor;
    private final INDArray indices;
    /** runs[j][r] = first(r) + j if j &lt; count(r), else outSize (the zero slot). */
    private final INDArray[] runs;

    AxisSelection(int[] source, int inSize) {
        for (int i = 0; i < source.length; i++) {
            if (source[i] < 0 || source[i] >= inSize) {
                throw new IllegalArgumentException("AxisSelection: source[" + i + "] = " + source[i] + " outside 0.."
                        + (inSize - 1));
            }
            if (i > 0 && source[i] < source[i - 1]) {
                throw new IllegalArgumentException("AxisSelection: source must be non-decreasing, source[" + i + "] = "
                        + source[i] + " < source[" + (i - 1) + "] = " + source[i - 1]);
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
        int[] first = new int[inSize], count = new int[inSize];
        int longest = 0;
        for (int i = source.length - 1; i >= 0; i--) { // built once per size pair, not in the hot path
            first[source[i]] = i;
            longest = Math.max(longest, ++count[source[i]]);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.indices = Nd4j.createFromArray(this.source);
            this.runs = new INDArray[longest];
            for (int j = 0; j < longest; j++) {
                int[] idx = new int[inSize];
                for (int r = 0; r < inSize; r++) {
                    idx[r] = j < count[r] ? first[r] + j : source.length;
                }
                runs[j] = Nd4j.createFromArray(idx);
            }
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
     * Transpose of {@link #gather} along {@code axis} of a rank-4 {@code g}:
     * {@code result[.., r, ..] = Σ_{i : source[i] = r} g[.., i, ..]} (0 where nothing reads r).
     */
    INDArray transposeGather(INDArray g, int axis) {
        long[] slot = g.shape().clone();
        slot[axis] = 1;
        INDArray padded = Nd4j.concat(axis, g, Nd4j.zeros(g.dataType(), slot));
        long[] shape = g.shape().clone();
        shape[axis] = inSize;
        INDArray sum = gatherRun(padded, axis, runs[0], shape);
        for (int j = 1; j < runs.length; j++) {
            sum.addi(gatherRun(padded, axis, runs[j], shape));
        }
        return sum;
    }

    private static INDArray gatherRun(INDArray x, int axis, INDArray idx, long[] shape) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape);
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(x, idx).addIntegerArguments(axis).addOutputs(out).build());
        return out;
    }
}
