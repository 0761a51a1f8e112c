package io.github.retina4j.models.dl4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Conv2dOp} against a direct evaluation of the convolution sum (double precision), and its backward pass
 * against central finite differences of L = Σ out · g.
 */
class Conv2dOpTest {
    private static final int N = 2, C = 3, O = 4, H = 5, W = 4, K = 3, PAD = 1;

    /** out[n, o, y, x] = b[o] + Σ_{c, i, j} in[n, c, y + i − pad, x + j − pad] · w[i, j, c, o] (zero outside). */
    private static INDArray direct(INDArray x, INDArray w, INDArray b) {
        INDArray out = Nd4j.create(DataType.DOUBLE, N, O, H, W);
        for (int n = 0; n < N; n++) {
            for (int o = 0; o < O; o++) {
                for (int y = 0; y < H; y++) {
                    for (int xx = 0; xx < W; xx++) {
                        double s = b.getDouble(o);
                        for (int c = 0; c < C; c++) {
                            for (int i = 0; i < K; i++) {
                                for (int j = 0; j < K; j++) {
                                    int yy = y + i - PAD, xc = xx + j - PAD;
                                    if (yy >= 0 && yy < H && xc >= 0 && xc < W) {
                                        s += x.getDouble(n, c, yy, xc) * w.getDouble(i, j, c, o);
                                    }
                                }
                            }
                        }
                        out.putScalar(new long[]{n, o, y, xx}, s);
                    }
                }
            }
        }
        return out;
    }

    private static INDArray[] inputs() {
        Nd4j.getRandom().setSeed(3);
        return new INDArray[]{Nd4j.randn(DataType.DOUBLE, N, C, H, W), Nd4j.randn(DataType.DOUBLE, K, K, C, O),
                Nd4j.randn(DataType.DOUBLE, O)};
    }

    @Test
    void forwardIsTheConvolutionSum() {
        INDArray[] p = inputs();
        INDArray out = Nd4j.create(DataType.DOUBLE, N, O, H, W);
        new Conv2dOp(K, PAD).forward(p[0], p[1], p[2], out);
        assertEquals(0.0, direct(p[0], p[1], p[2]).sub(out).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        INDArray[] p = inputs();
        INDArray g = Nd4j.randn(DataType.DOUBLE, N, O, H, W);
        INDArray[] grads = {Nd4j.create(DataType.DOUBLE, p[0].shape()), Nd4j.create(DataType.DOUBLE, p[1].shape()),
                Nd4j.create(DataType.DOUBLE, p[2].shape())};
        new Conv2dOp(K, PAD).backward(p[0], p[1], p[2], g, grads[0], grads[1], grads[2]);
        double eps = 1e-6;
        for (int which = 0; which < 3; which++) {
            INDArray flat = p[which].reshape(-1);
            for (long i = 0; i < flat.length(); i += Math.max(1, flat.length() / 12)) {
                double v = flat.getDouble(i);
                flat.putScalar(i, v + eps);
                double plus = direct(p[0], p[1], p[2]).mul(g).sumNumber().doubleValue();
                flat.putScalar(i, v - eps);
                double minus = direct(p[0], p[1], p[2]).mul(g).sumNumber().doubleValue();
                flat.putScalar(i, v);
                double numeric = (plus - minus) / (2 * eps);
                assertEquals(numeric, grads[which].reshape(-1).getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)),
                        "gradient of input " + which + " at " + i);
            }
        }
    }

    @Test
    void rejectsInvalidGeometry() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2dOp(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Conv2dOp(3, -1));
    }
}
