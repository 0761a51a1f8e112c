package io.github.retina4j.losses;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import static io.github.retina4j.losses.TestSupport.randomOneHot;
import static io.github.retina4j.losses.TestSupport.to2d;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels' float gradients hold no subnormal value, whichever kernel runs (this class also runs in the
 * scalar-kernel JVM): a saturated network's logits make most elements' gradients fall below the float range, and
 * subnormal floats slow every later operation that reads them (DESIGN §3).
 */
class SubnormalFreeGradientTest {

    private static double[] frequencies(int c) {
        double[] f = new double[c];
        for (int j = 0; j < c; j++) {
            f[j] = j % 2 == 0 ? 1e-4 : 0.1;
        }
        return f;
    }

    @Test
    void saturatedLogitsGiveZerosNotSubnormals() {
        int n = 2, c = 40, a = 300;
        // logits spread over ±300, as a randomly initialised ResNet's heads give them
        INDArray x = to2d(Nd4j.rand(DataType.FLOAT, n, c, a).subi(0.5).muli(600));
        INDArray y = to2d(randomOneHot(n, c, a, 3)).castTo(DataType.FLOAT);
        double[] iif = new double[c];
        for (int j = 0; j < c; j++) {
            iif[j] = 0.5 + 0.1 * j;
        }
        ILossFunction[] losses = {new SigmoidFocalLoss(), new EqualizedFocalLoss(c), new EqualizationFocalLoss(1e-3, frequencies(c)),
                new IifFocalLoss(iif), new GumbelLoss(false, -1000, 1000), new GumbelLoss()};
        for (ILossFunction loss : losses) {
            INDArray g = loss.computeGradient(y, x, new ActivationIdentity(), null);
            float[] v = g.data().asFloat();
            int zeros = 0;
            for (int i = 0; i < v.length; i++) {
                assertTrue(v[i] == 0f || Math.abs(v[i]) >= Float.MIN_NORMAL, loss.name() + ": element " + i + " = " + v[i]);
                zeros += v[i] == 0f ? 1 : 0;
            }
            assertTrue(zeros > 0, loss.name() + ": saturated logits must give some zero gradients");
        }
    }
}
