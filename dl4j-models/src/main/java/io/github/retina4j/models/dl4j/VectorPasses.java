package io.github.retina4j.models.dl4j;

import jdk.incubator.vector.FloatVector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Element-wise passes over whole float32 arrays as loops on the incubating Vector API, split into lane-aligned blocks
 * on the common fork-join pool: the runner of the hand-written passes ({@link Relu}, frozen batch norm, the momentum
 * updater and weight decay), each of which keeps its ND4J ops for the arrays and JVMs this does not apply to.
 *
 * <p>Why by hand: libnd4j 1.0.0-M2.1 runs these passes at a fraction of the memory bandwidth (DESIGN §10.16, §10.17),
 * and several of them take two or more of its ops where one loop reads each operand once.
 */
public final class VectorPasses {
    /** System property that turns the vector loops off ({@code false}); on by default where usable. */
    public static final String PROPERTY = "retina4j.models.vector";
    private static final String MODULE = "jdk.incubator.vector";
    /** Below this many elements the work is not split across threads. */
    private static final int PARALLEL_THRESHOLD = 1 << 16;
    /** Blocks per core: enough to balance uneven progress, few enough to keep per-block setup negligible. */
    private static final int BLOCKS_PER_THREAD = 4;
    /** Cores, read once: {@code availableProcessors} reads the container's limits on every call. */
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** Lanes of the preferred float vector, 0 when the vector loops are not usable. */
    private static final int LANES = detect();

    private VectorPasses() {
    }

    /** A loop over elements {@code [from, to)} of the arrays' buffers (indices count floats). */
    public interface Pass {
        void run(ByteBuffer[] buffers, int from, int to);
    }

    /** A loop that returns its part of a sum over elements {@code [from, to)}. */
    public interface PartialSum {
        double run(ByteBuffer[] buffers, int from, int to);
    }

    private static int detect() {
        if (!ModuleLayer.boot().findModule(MODULE).isPresent()) {
            return 0;
        }
        try {
            // narrower vectors than 256 bits run lane by lane in Java, slower than libnd4j
            int lanes = Lanes.PREFERRED;
            return lanes >= 8 ? lanes : 0;
        } catch (LinkageError e) {
            return 0;
        }
    }

    /** Loaded only once the module is known to be there. */
    private static final class Lanes {
        static final int PREFERRED = FloatVector.SPECIES_PREFERRED.length();
    }

    /** Whether the vector loops run in this JVM (module resolved, 256-bit vectors or wider, not switched off). */
    public static boolean enabled() {
        return LANES > 0 && !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
    }

    /**
     * Whether {@link #run} and {@link #sum} take these arrays: the loops are enabled, and the arrays are float32, of
     * one shape, each without gaps, in one element order (c or f; either, if only one dimension exceeds 1), and
     * addressable by int byte offsets from the start of their buffers. Element i of one array's run then pairs with
     * element i of the others'.
     */
    public static boolean applies(INDArray... arrays) {
        if (!enabled()) {
            return false;
        }
        boolean orderMatters = Arrays.stream(arrays[0].shape()).filter(d -> d > 1).count() > 1;
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || !arrays[0].equalShapes(a) || !withoutGaps(a)
                    || orderMatters && a.ordering() != arrays[0].ordering()
                    || a.data().underlyingLength() < a.offset() + a.length()
                    || a.data().underlyingLength() > Integer.MAX_VALUE / Float.BYTES) {
                return false;
            }
        }
        return true;
    }

    /** Strides of a dense array in its own ordering, dimensions of size 1 aside. */
    private static boolean withoutGaps(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int k = 0; k < shape.length; k++) {
            int d = a.ordering() == 'c' ? shape.length - 1 - k : k;
            if (shape[d] != 1) {
                if (stride[d] != expected) {
                    return false;
                }
                expected *= shape[d];
            }
        }
        return true;
    }

    /** Runs {@code pass} over all elements of {@code arrays}, which {@link #applies} must accept. */
    public static void run(Pass pass, INDArray... arrays) {
        ByteBuffer[] buffers = buffers(arrays);
        blocks(arrays[0].length()).forEach(b -> {
            int from = from(b, arrays[0].length());
            int to = from(b + 1, arrays[0].length());
            if (from < to) {
                pass.run(buffers, from, to);
            }
        });
        // the NIO views do not keep the arrays (and their native memory) alive
        Reference.reachabilityFence(arrays);
    }

    /** The sum of {@code part} over all elements, added up block by block in order (the same sum on every run). */
    public static double sum(PartialSum part, INDArray... arrays) {
        ByteBuffer[] buffers = buffers(arrays);
        long n = arrays[0].length();
        double[] parts = blocks(n).mapToDouble(b -> {
            int from = from(b, n);
            int to = from(b + 1, n);
            return from < to ? part.run(buffers, from, to) : 0.0;
        }).toArray();
        Reference.reachabilityFence(arrays);
        double s = 0;
        for (double p : parts) {
            s += p;
        }
        return s;
    }

    private static ByteBuffer[] buffers(INDArray[] arrays) {
        ByteBuffer[] buffers = new ByteBuffer[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            // asNio() spans the whole underlying buffer, also for a view; offset() is the view's first element in it
            ByteBuffer all = arrays[i].data().asNio();
            buffers[i] = all.position((int) (arrays[i].offset() * Float.BYTES)).slice().order(ByteOrder.nativeOrder());
        }
        return buffers;
    }

    private static int blockCount(long n) {
        return n >= PARALLEL_THRESHOLD ? BLOCKS_PER_THREAD * CORES : 1;
    }

    private static IntStream blocks(long n) {
        int count = blockCount(n);
        IntStream r = IntStream.range(0, count);
        return count > 1 ? r.parallel() : r;
    }

    /** First element of block b: blocks are whole vectors long, the last takes the rest. */
    private static int from(int b, long length) {
        int n = (int) length;
        int count = blockCount(n);
        if (b >= count) {
            return n;
        }
        int per = (n / count + LANES - 1) / LANES * LANES;
        return Math.min(n, b * per);
    }
}
