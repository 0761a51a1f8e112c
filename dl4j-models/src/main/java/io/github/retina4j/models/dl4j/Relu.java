package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * ReLU, ReLU after a sum, and ReLU's backward pass (the error masked where the layer's output is 0) on whole arrays:
 * the element-wise passes of the heads, frozen batch norm and residual blocks.
 *
 * <p>Hand-written because libnd4j 1.0.0-M2.1's {@code relu_bp} ({@link RectifiedLinearDerivative}) took 2.5–3.5 ms
 * on an 8 MB {@code [2, 256, 64, 64]} float array on this machine, against 0.5–1.0 ms for a Vector API loop and
 * 0.7 ms for torch's {@code threshold_backward} (DESIGN §10.16). Float32 dense arrays run {@link VectorRelu} on the
 * common fork-join pool; other types, views with gaps, or a JVM without {@code --add-modules jdk.incubator.vector}
 * (or with {@code -Dretina4j.models.vector=false}) run the ND4J ops, which give the same results:
 * {@code ReluTest} compares the two element for element.
 */
public final class Relu {
    /** System property that turns the vector loops off ({@code false}); on by default where usable. */
    public static final String PROPERTY = "retina4j.models.vector";
    private static final String MODULE = "jdk.incubator.vector";
    /** Below this many elements the work is not split across threads. */
    private static final int PARALLEL_THRESHOLD = 1 << 16;
    /** Blocks per core: enough to balance uneven progress, few enough to keep per-block setup negligible. */
    private static final int BLOCKS_PER_THREAD = 4;
    /** Lanes of the preferred float vector, 0 when the vector loops are not usable. */
    private static final int LANES = detect();

    private Relu() {
    }

    private static int detect() {
        if (!ModuleLayer.boot().findModule(MODULE).isPresent()) {
            return 0;
        }
        try {
            Class.forName(Relu.class.getPackageName() + ".VectorRelu");
            int lanes = VectorRelu.LANES;
            // narrower vectors than 256 bits run lane by lane in Java, slower than libnd4j
            return lanes >= 8 ? lanes : 0;
        } catch (LinkageError | ClassNotFoundException e) {
            return 0;
        }
    }

    /** Whether the vector loops run in this JVM (module resolved, 256-bit vectors, not switched off). */
    public static boolean vectorised() {
        return LANES > 0 && !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
    }

    /** {@code out = max(x, 0)}; {@code out} may be {@code x}. */
    public static void forward(INDArray x, INDArray out) {
        forward(x, out, vectorised());
    }

    static void forward(INDArray x, INDArray out, boolean vector) {
        apply(vector, (b, from, to) -> VectorRelu.relu(b[0], b[1], from, to),
                () -> Nd4j.exec(new RectifiedLinear(x, out, 0.0)), x, out);
    }

    /** {@code out = max(a + b, 0)}, the end of a residual block; {@code out} may be {@code a} or {@code b}. */
    public static void addForward(INDArray a, INDArray b, INDArray out) {
        addForward(a, b, out, vectorised());
    }

    static void addForward(INDArray a, INDArray b, INDArray out, boolean vector) {
        apply(vector, (buf, from, to) -> VectorRelu.addRelu(buf[0], buf[1], buf[2], from, to), () -> {
            Nd4j.exec(new AddOp(a, b, out));
            Nd4j.exec(new RectifiedLinear(out, out, 0.0));
        }, a, b, out);
    }

    /**
     * ReLU's backward pass from its output: {@code result = output > 0 ? delta : 0} (relu'(z) = relu(z) &gt; 0, so the
     * pre-activation is not needed); {@code result} may be {@code delta}.
     */
    public static void backward(INDArray output, INDArray delta, INDArray result) {
        backward(output, delta, result, vectorised());
    }

    static void backward(INDArray output, INDArray delta, INDArray result, boolean vector) {
        apply(vector, (b, from, to) -> VectorRelu.mask(b[0], b[1], b[2], from, to),
                () -> Nd4j.exec(new RectifiedLinearDerivative(output, delta, result)), output, delta, result);
    }

    /** The vector loop over {@code arrays} where they allow it, else the ND4J ops. */
    private static void apply(boolean vector, Loop loop, Runnable nd4j, INDArray... arrays) {
        if (!vector || LANES == 0 || !dense(arrays)) {
            nd4j.run();
            return;
        }
        ByteBuffer[] buffers = new ByteBuffer[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            buffers[i] = bytes(arrays[i]);
        }
        run(arrays[0].length(), buffers, loop);
        // the NIO views do not keep the arrays (and their native memory) alive
        for (INDArray a : arrays) {
            Reference.reachabilityFence(a);
        }
    }

    /** Float32, same shape, c-order without gaps, and addressable by int byte offsets. */
    private static boolean dense(INDArray... arrays) {
        if (arrays[0].length() > Integer.MAX_VALUE / Float.BYTES) {
            return false;
        }
        for (INDArray a : arrays) {
            if (!denseFloat(a) || !arrays[0].equalShapes(a)) {
                return false;
            }
        }
        return true;
    }

    private static boolean denseFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a)
                && a.data().length() >= a.offset() + a.length();
    }

    /** The array's elements as a native-order byte buffer starting at its first element. */
    private static ByteBuffer bytes(INDArray a) {
        ByteBuffer all = a.data().asNio();
        return all.position((int) (a.offset() * Float.BYTES)).slice().order(ByteOrder.nativeOrder());
    }

    private interface Loop {
        void run(ByteBuffer[] buffers, int from, int to);
    }

    /** Splits [0, length) into lane-aligned blocks on the common fork-join pool. */
    private static void run(long length, ByteBuffer[] buffers, Loop loop) {
        int n = (int) length;
        int blocks = n >= PARALLEL_THRESHOLD ? BLOCKS_PER_THREAD * Runtime.getRuntime().availableProcessors() : 1;
        int per = (n / blocks + LANES - 1) / LANES * LANES;
        IntStream r = IntStream.range(0, blocks);
        if (blocks > 1) {
            r = r.parallel();
        }
        r.forEach(b -> {
            int from = Math.min(n, b * per);
            int to = b == blocks - 1 ? n : Math.min(n, from + per);
            if (from < to) {
                loop.run(buffers, from, to);
            }
        });
    }
}
