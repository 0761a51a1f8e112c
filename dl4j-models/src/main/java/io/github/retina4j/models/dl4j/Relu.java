package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ReLU, ReLU after a sum, and ReLU's backward pass (the error masked where the layer's output is 0) on whole arrays:
 * the element-wise passes of the heads, frozen batch norm and residual blocks.
 *
 * <p>Hand-written because libnd4j 1.0.0-M2.1's {@code relu_bp} ({@link RectifiedLinearDerivative}) took 2.5–3.5 ms
 * on an 8 MB {@code [2, 256, 64, 64]} float array on this machine, against 0.5–1.0 ms for a Vector API loop and
 * 0.7 ms for torch's {@code threshold_backward} (DESIGN §10.16). Arrays that {@link VectorPasses} takes run
 * {@link VectorRelu}; others, or a JVM without the vector loops, run the ND4J ops, which give the same results:
 * {@code ReluTest} compares the two element for element.
 */
public final class Relu {
    private Relu() {
    }

    /** {@code out = max(x, 0)}; {@code out} may be {@code x}. */
    public static void forward(INDArray x, INDArray out) {
        forward(x, out, true);
    }

    static void forward(INDArray x, INDArray out, boolean vector) {
        apply(vector, (b, from, to) -> VectorRelu.relu(b[0], b[1], from, to),
                () -> Nd4j.exec(new RectifiedLinear(x, out, 0.0)), x, out);
    }

    /** {@code out = max(a + b, 0)}, the end of a residual block; {@code out} may be {@code a} or {@code b}. */
    public static void addForward(INDArray a, INDArray b, INDArray out) {
        addForward(a, b, out, true);
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
        backward(output, delta, result, true);
    }

    static void backward(INDArray output, INDArray delta, INDArray result, boolean vector) {
        apply(vector, (b, from, to) -> VectorRelu.mask(b[0], b[1], b[2], from, to),
                () -> Nd4j.exec(new RectifiedLinearDerivative(output, delta, result)), output, delta, result);
    }

    /** The vector loop over {@code arrays} where they allow it, else the ND4J ops. */
    private static void apply(boolean vector, VectorPasses.Pass loop, Runnable nd4j, INDArray... arrays) {
        if (vector && VectorPasses.applies(arrays)) {
            VectorPasses.run(loop, arrays);
        } else {
            nd4j.run();
        }
    }
}
