package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GOL's single-pass kernels against its op-by-op form, and the vector kernel against the scalar one. */
@DoublePrecision
class FusedGumbelKernelTest {

    private static INDArray[] masks(int n, int c, int a) {
        return new INDArray[]{null, maskColumn(randomMask(3, n, a)), to2d(randomMask(4, n, c, a))};
    }

    private static GumbelLoss[] losses() {
        return new GumbelLoss[]{new GumbelLoss(), new GumbelLoss(false, -4, 10), new GumbelLoss(true, -60, 60),
                new GumbelLoss(true, -100, 5)};
    }

    /** Logits in both series branches, beyond the default clamp and at large |x|, float-representable. */
    private static INDArray logits(int n, int c, int a, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(4)).addi(-1);
        double[] extremes = {12, -6, 9.99, -3.99, 50, -50, 70, -0.7, 0.7, -0.69, 1e-3};
        for (int k = 0; k < extremes.length; k++) {
            x.putScalar(k % (n * a), (3 * k) % c, extremes[k]);
        }
        return x.castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
    }

    @Test
    void fusedEqualsOpByOpForAllMaskShapesTypesAndClamps() {
        int n = 2, a = 30;
        for (int c : new int[]{7, 37}) {                  // narrower than a vector, and an overlapping last one
            INDArray x = logits(n, c, a, c);
            INDArray y = to2d(randomOneHot(n, c, a, 40 + c));
            for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
                // the op-by-op form evaluates in double whatever the input type
                double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
                for (GumbelLoss l : losses()) {
                    for (INDArray mask : masks(n, c, a)) {
                        String what = l.name() + " C=" + c + " " + dt + " mask "
                                + (mask == null ? "none" : java.util.Arrays.toString(mask.shape()));
                        AbstractDenseLoss.Terms t = l.compute(y, x, mask, true, false);
                        INDArray md = mask == null ? null : mask.castTo(dt);
                        assertClose(t.loss.sumNumber().doubleValue(),
                                l.computeScore(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), md, false), tol, what);
                        INDArray g = l.computeGradient(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), md);
                        assertEquals(dt, g.dataType());
                        assertArrayClose(t.grad, g, tol, what);
                        // outside the clamp: exactly no gradient
                        if (l.isClampLogits()) {
                            for (int i = 0; i < x.length(); i++) {
                                double v = x.getDouble(i);
                                if (v < l.getClampMin() || v > l.getClampMax()) {
                                    assertEquals(0.0, g.getDouble(i), 0.0, what + " element " + i);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The float lanes (two exp, one log, a series for small u) against the scalar kernel in double, the tolerance of
     * {@code FocalVectorSupportTest}: max|Δ| ≤ 1e-6·max|scalar| for the gradient, 1e-6 relative for the score.
     */
    @Test
    void vectorKernelMatchesScalarKernel() {
        assumeTrue(FocalVectorSupport.available(), "vector kernel not available in this JVM");
        Random rnd = new Random(3);
        int rows = 2 * FusedFocalKernel.MIN_SEGMENT_ROWS + 9;
        double worst = 0;
        for (int c : new int[]{VectorFocalKernel.LANES, 37, 83}) {
            double[][] xv = new double[rows][c];
            double[][] yv = new double[rows][c];
            double[][] mv = new double[rows][c];
            double[][] rv = new double[rows][1];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < c; j++) {
                    xv[r][j] = 5 * rnd.nextGaussian() - 1;
                    mv[r][j] = rnd.nextInt(5) == 0 ? 0 : 1;
                }
                rv[r][0] = rnd.nextInt(5) == 0 ? 0 : 1;
                if (rnd.nextInt(3) == 0) {
                    yv[r][rnd.nextInt(c)] = 1;
                }
            }
            double[] extremes = {-80, -79, 100, -4, 10, 0.6931, -0.6931, 1e-4, 30};
            for (int k = 0; k < extremes.length; k++) {
                xv[k][k % c] = extremes[k];
                xv[rows - 1 - k][(k + 1) % c] = extremes[k];
                yv[k][k % c] = 1;
            }
            INDArray x = Nd4j.createFromArray(xv).castTo(DataType.FLOAT);
            INDArray y = Nd4j.createFromArray(yv).castTo(DataType.FLOAT);
            for (FusedGumbelKernel.Clamp clamp : new FusedGumbelKernel.Clamp[]{new FusedGumbelKernel.Clamp(true, -4, 10),
                    new FusedGumbelKernel.Clamp(true, FusedGumbelKernel.FLOAT_CLAMP_MIN, 200)}) {
                assertTrue(FusedGumbelKernel.floatRange(clamp));
                for (INDArray mask : new INDArray[]{null, Nd4j.createFromArray(rv).castTo(DataType.FLOAT),
                        Nd4j.createFromArray(mv).castTo(DataType.FLOAT)}) {
                    FusedFocalKernel.Operands o = new FusedFocalKernel.Operands(y, x, mask);
                    String what = "C=" + c + " " + clamp + " mask " + (mask == null ? "none" : mask.columns() == 1 ? "[R,1]" : "[R,C]");
                    FusedFocalKernel.Result s = FusedGumbelKernel.scalar(o, clamp, true);
                    FusedFocalKernel.Result v = FocalVectorSupport.computeGumbel(o, clamp, true);
                    assertEquals(s.positives, v.positives, 0.0, what + " N_pos");
                    assertClose(s.score, v.score, 1e-6, what + " score");
                    double[] sg = s.grad.data().asDouble();
                    double[] vg = v.grad.data().asDouble();
                    double diff = 0;
                    double scale = 0;
                    for (int i = 0; i < sg.length; i++) {
                        diff = Math.max(diff, Math.abs(vg[i] - sg[i]));
                        scale = Math.max(scale, Math.abs(sg[i]));
                        if (sg[i] == 0 && vg[i] != 0) {
                            throw new AssertionError(what + ": element " + i + " has gradient " + vg[i] + ", scalar 0");
                        }
                    }
                    worst = Math.max(worst, diff / scale);
                    assertTrue(diff <= 1e-6 * scale, what + ": max abs diff " + diff / scale + " × max|scalar|");
                    // and relative to each negative's own gradient where it is not tiny (the series branch)
                    for (int i = 0; i < sg.length; i++) {
                        if (Math.abs(sg[i]) > 1e-3 * scale) {
                            assertEquals(sg[i], vg[i], 1e-5 * Math.abs(sg[i]), what + " element " + i);
                        }
                    }
                }
            }
        }
        System.out.printf("Gumbel vector vs scalar kernel: worst gradient %.3g (relative to max|g|)%n", worst);
        assertTrue(worst > 0, "the two kernels are distinct computations");
    }

    @Test
    void floatKernelOnlyWhereEveryTermIsAFloat() {
        assertTrue(FusedGumbelKernel.floatRange(new FusedGumbelKernel.Clamp(true, -4, 10)));
        assertFalse(FusedGumbelKernel.floatRange(new FusedGumbelKernel.Clamp(false, -4, 10)));
        assertFalse(FusedGumbelKernel.floatRange(new FusedGumbelKernel.Clamp(true, -100, 10)));
    }
}
