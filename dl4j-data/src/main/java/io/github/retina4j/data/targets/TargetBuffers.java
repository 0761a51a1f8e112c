package io.github.retina4j.data.targets;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Reusable storage for the outputs of {@link TargetEncoder#encodeInto}: the {@code [N, C, A]} one-hot class targets,
 * {@code [N, 4, A]} box targets and the two {@code [N, A]} masks (float32), for batches of any shape. The storage grows
 * to the largest batch seen; each encode returns c-order arrays of its exact shape laid over the start of it.
 *
 * <p>Why: at 800×1333 a batch of 2 has 2 × 80 × 120 000 class targets (77 MB). Allocating that off-heap array for every
 * batch costs more than the whole assignment (the OS hands out fresh pages that are faulted in and zeroed), while only
 * the positives (a few thousand entries) are non-zero. Reused storage is cleared sparsely: the entries the previous
 * encode set to 1 are reset, everything else is already zero.
 *
 * <p>Ownership: the arrays returned by an encode into these buffers are overwritten by the next encode into them. Not
 * thread-safe: one encode at a time per instance.
 */
public final class TargetBuffers {
    private DataBuffer classTargets;
    private DataBuffer boxTargets;
    private DataBuffer classMask;
    private DataBuffer boxMask;
    /** Heap staging of box targets and masks (sized for the current batch), copied out in one bulk put each. */
    float[] box = new float[0];
    float[] clsMask = new float[0];
    float[] boxMaskValues = new float[0];
    /** Element offsets of the 1s the last encode wrote into {@link #classTargets} (cleared by the next one). */
    private long[] ones = new long[1024];
    private int numOnes;
    private long[] classShape;
    private long[] boxShape;
    private long[] maskShape;

    /** Empty storage; it is allocated by the first encode. */
    public TargetBuffers() {
    }

    /** Storage preallocated for batches of up to {@code batchSize × numClasses × numAnchors}. */
    public TargetBuffers(int batchSize, int numClasses, int numAnchors) {
        if (batchSize <= 0 || numClasses <= 0 || numAnchors <= 0) {
            throw new IllegalArgumentException("TargetBuffers: N, C and A must be positive, got " + batchSize + ", "
                    + numClasses + ", " + numAnchors);
        }
        ensureCapacity(batchSize, numClasses, numAnchors);
    }

    /** Number of class-target elements the storage holds without growing. */
    public long classCapacity() {
        return classTargets == null ? 0 : classTargets.length();
    }

    /** Starts an encode of an {@code [n, c, a]} batch: grows the storage if needed and clears the previous encode. */
    void begin(int n, int c, int a) {
        ensureCapacity(n, c, a);
        for (int i = 0; i < numOnes; i++) {
            classTargets.put(ones[i], 0f);
        }
        numOnes = 0;
        int boxLength = n * 4 * a;
        int maskLength = n * a;
        if (box.length != boxLength) {
            box = new float[boxLength];
            clsMask = new float[maskLength];
            boxMaskValues = new float[maskLength];
        } else {
            Arrays.fill(box, 0f);
            Arrays.fill(clsMask, 0f);
            Arrays.fill(boxMaskValues, 0f);
        }
        classShape = new long[] {n, c, a};
        boxShape = new long[] {n, 4, a};
        maskShape = new long[] {n, a};
    }

    private void ensureCapacity(int n, int c, int a) {
        long classLength = (long) n * c * a;
        if (classTargets == null || classTargets.length() < classLength) {
            // Fresh zeroed storage: none of the previous 1s needs clearing.
            classTargets = Nd4j.createBuffer(DataType.FLOAT, classLength, true);
            numOnes = 0;
        }
        long maskLength = (long) n * a;
        if (classMask == null || classMask.length() < maskLength) {
            boxTargets = Nd4j.createBuffer(DataType.FLOAT, 4 * maskLength, true);
            classMask = Nd4j.createBuffer(DataType.FLOAT, maskLength, true);
            boxMask = Nd4j.createBuffer(DataType.FLOAT, maskLength, true);
        }
    }

    /** Sets class target element {@code offset} (c-order offset in {@code [N, C, A]}) to 1 and remembers it. */
    void setOne(long offset) {
        if (numOnes == ones.length) {
            ones = Arrays.copyOf(ones, ones.length * 2);
        }
        ones[numOnes++] = offset;
        classTargets.put(offset, 1f);
    }

    /** Ends an encode: copies the staged box targets and masks out and wraps the storage in arrays of the batch shape. */
    DenseTargets finish(List<Assignment> assignments, int numPositive) {
        copy(box, boxTargets);
        copy(clsMask, classMask);
        copy(boxMaskValues, boxMask);
        return new DenseTargets(view(classTargets, classShape), view(boxTargets, boxShape), view(classMask, maskShape),
                view(boxMask, maskShape), assignments, numPositive);
    }

    private static INDArray view(DataBuffer storage, long[] shape) {
        return Nd4j.create(storage, shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
    }

    private static void copy(float[] from, DataBuffer to) {
        FloatBuffer view = to.asNioFloat();
        view.put(from, 0, from.length);
        // The NIO view does not keep the buffer (and its native memory) alive.
        java.lang.ref.Reference.reachabilityFence(to);
    }
}
