package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.DenseArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Runs a per-plane kernel over the {@code N·C} planes of {@code [N, C, H, W]} arrays: each plane is read into a heap
 * buffer, the kernel maps it to the output plane, which is written back. The resizes' general paths use it
 * ({@link NearestResize}, {@link AdaptiveMaxPool}): their kernels are torch's own loops (one pass over the output,
 * sums and arg-max in output order), which a per-plane split lets run on both cores without races on repeated
 * sources.
 *
 * <p>Why by hand: libnd4j 1.0.0-M2.1 has no resize to an arbitrary size with torch's indices, and building these from
 * its {@code gather} took a gather, a concatenation and a mask per window offset and run length in each backward
 * pass: 0.33 s of a Libra RetinaNet training step at 800×1344 (DESIGN §10.17). Float planes are computed in double; the results are the same
 * values, except that gradient sums are rounded once instead of after each addition.
 */
final class ResizePlanes {
    /** Below this many output elements the planes are not split across threads. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    private ResizePlanes() {
    }

    /**
     * Maps the planes of the inputs ({@code in[0]}, {@code in[1]}, …; entries past the inputs are not theirs) to one
     * output plane; {@code out} holds garbage on entry.
     */
    interface Kernel {
        void run(double[][] in, double[] out);
    }

    /** Per-thread plane buffers (the inputs', then the output's), grown as needed. */
    private static final ThreadLocal<double[][]> BUFFERS = ThreadLocal.withInitial(() -> new double[0][]);

    /**
     * {@code out[n, c] = kernel(inputs[n, c]…)} for every plane; all arrays are {@code [N, C, ·, ·]} with equal N and C
     * and one data type, FLOAT or DOUBLE.
     */
    static void run(Kernel kernel, INDArray out, INDArray... inputs) {
        DataType type = out.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("spatial resize: FLOAT or DOUBLE arrays, got " + type);
        }
        int k = inputs.length;
        INDArray[] in = new INDArray[k];
        int[] size = new int[k + 1];
        int[] base = new int[k + 1];
        for (int i = 0; i < k; i++) {
            in[i] = DenseArrays.cOrder(inputs[i].castTo(type));
            size[i] = (int) (in[i].size(2) * in[i].size(3));
            base[i] = (int) in[i].offset();
        }
        boolean direct = out.ordering() == 'c' && !out.isView();
        INDArray target = direct ? out : DenseArrays.cOrder(out.ulike());
        size[k] = (int) (out.size(2) * out.size(3));
        base[k] = (int) target.offset();
        int planes = (int) (out.size(0) * out.size(1));
        IntStream p = IntStream.range(0, planes);
        if ((long) planes * size[k] >= PARALLEL_THRESHOLD) {
            p = p.parallel();
        }
        boolean single = type == DataType.FLOAT;
        Object[] nio = new Object[k + 1];
        for (int i = 0; i <= k; i++) {
            INDArray a = i < k ? in[i] : target;
            nio[i] = single ? a.data().asNioFloat() : a.data().asNioDouble();
        }
        p.forEach(plane -> {
            double[][] b = BUFFERS.get();
            if (b.length < k + 1) {
                b = java.util.Arrays.copyOf(b, k + 1);
                BUFFERS.set(b);
            }
            for (int i = 0; i <= k; i++) {
                if (b[i] == null || b[i].length < size[i]) {
                    b[i] = new double[size[i]];
                }
            }
            for (int i = 0; i < k; i++) {
                int from = base[i] + plane * size[i];
                if (single) {
                    FloatBuffer f = (FloatBuffer) nio[i];
                    for (int e = 0; e < size[i]; e++) {
                        b[i][e] = f.get(from + e);
                    }
                } else {
                    ((DoubleBuffer) nio[i]).get(from, b[i], 0, size[i]);
                }
            }
            kernel.run(b, b[k]);
            int to = base[k] + plane * size[k];
            if (single) {
                FloatBuffer f = (FloatBuffer) nio[k];
                for (int e = 0; e < size[k]; e++) {
                    f.put(to + e, (float) b[k][e]);
                }
            } else {
                ((DoubleBuffer) nio[k]).put(to, b[k], 0, size[k]);
            }
        });
        // the NIO views do not keep the arrays (and their native memory) alive
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(target);
        if (!direct) {
            out.assign(target);
        }
    }
}
