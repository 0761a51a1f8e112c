package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The vector kernel against the scalar fallback, and which of the two each test JVM runs.
 *
 * <p>The build runs the focal-loss tests in two JVMs (see the surefire executions): with the Vector API module
 * (property {@code retina4j.test.vectorModule=true}: the vector kernel must be in use on a CPU with 256-bit or wider
 * vectors) and without it (the scalar fallback must be in use, the kernel class never linked).
 */
@DoublePrecision
class FocalVectorSupportTest {

    @Test
    void eachTestJvmRunsTheKernelItWasStartedFor() {
        String expected = System.getProperty("retina4j.test.vectorModule");
        boolean module = ModuleLayer.boot().findModule(FocalVectorSupport.MODULE).isPresent();
        if (expected != null) {
            assertEquals(Boolean.parseBoolean(expected), module, "test JVM started with/without " + FocalVectorSupport.MODULE);
        }
        if (!module) {
            assertFalse(FocalVectorSupport.available(), "no vector kernel without the module");
            return;
        }
        assertEquals(VectorFocalKernel.LANES >= 8, FocalVectorSupport.available(), VectorFocalKernel.LANES + " float lanes");
    }

    /**
     * Float32 inputs through both kernels, every option and mask shape, logits up to ±100. They compute the same
     * formulas, the scalar one in double precision (then rounded to float), the vector one in float lanes with SVML's
     * exp/log (≤ 1 ulp) and some twenty roundings of half a float ulp each, so they are not bit-identical. Tolerance
     * (not loosened elsewhere: it is the one the float comparisons of {@code FusedFocalKernelTest} already use):
     * max|Δ| ≤ 1e-6·max|scalar| for gradient and EFL statistics, |Δ| ≤ 1e-6·|score| for the score — about 16 float ulps
     * (2⁻²⁰) of the largest value, against a worst case seen of 4.2e-7 (gradient) and 7e-8 (score).
     */
    @Test
    void vectorKernelMatchesScalarKernel() {
        assumeTrue(FocalVectorSupport.available(), "vector kernel not available in this JVM");
        Random rnd = new Random(11);
        int rows = 2 * FusedFocalKernel.MIN_SEGMENT_ROWS + 9;   // two segments
        double worstGrad = 0;
        double worstScore = 0;
        for (int c : new int[]{VectorFocalKernel.LANES, 37, 83}) {   // whole vectors, and an overlapping last one
            double[][] xv = new double[rows][c];
            double[][] yv = new double[rows][c];
            double[][] ev = new double[rows][c];
            double[][] mv = new double[rows][c];
            double[][] rv = new double[rows][1];
            double[] extremes = {100, -100, 40, -40, 20, -20, 88, -88, 1e-3, -1e-3, 0};
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < c; j++) {
                    xv[r][j] = 4 * rnd.nextGaussian() - 2;
                    ev[r][j] = rnd.nextInt(3) == 0 ? 1 : 0;
                    mv[r][j] = rnd.nextInt(5) == 0 ? 0 : 1;
                }
                rv[r][0] = rnd.nextInt(5) == 0 ? 0 : 1;
                if (r < extremes.length || rnd.nextInt(4) == 0) {
                    yv[r][rnd.nextInt(c)] = 1;
                }
            }
            for (int k = 0; k < extremes.length; k++) {
                xv[rnd.nextInt(rows)][rnd.nextInt(c)] = extremes[k];
                xv[k][k % c] = extremes[k];                      // and on a positive label's row
            }
            INDArray x = Nd4j.createFromArray(xv).castTo(DataType.FLOAT);
            INDArray y = Nd4j.createFromArray(yv).castTo(DataType.FLOAT);
            INDArray withExempt = Nd4j.hstack(Nd4j.createFromArray(yv), Nd4j.createFromArray(ev)).castTo(DataType.FLOAT);
            INDArray rowMask = Nd4j.createFromArray(rv).castTo(DataType.FLOAT);
            INDArray elementMask = Nd4j.createFromArray(mv).castTo(DataType.FLOAT);
            double[] gammaJ = new double[c];
            double[] weightJ = new double[c];
            double[] tail = new double[c];
            for (int j = 0; j < c; j++) {
                gammaJ[j] = 2 + 8 * rnd.nextDouble();           // EFL's range γ_b … γ_b + s
                weightJ[j] = gammaJ[j] / 2;
                tail[j] = rnd.nextInt(3) == 0 ? 1 : 0;
            }
            FusedFocalKernel.Spec[] specs = {
                    FusedFocalKernel.Spec.focal(0.25, FusedFocalKernel.Spec.uniform(2.0, c), null, false),
                    FusedFocalKernel.Spec.focal(0.6, FusedFocalKernel.Spec.uniform(1.5, c), null, false),
                    FusedFocalKernel.Spec.focal(0.25, FusedFocalKernel.Spec.uniform(0.0, c), null, false),
                    FusedFocalKernel.Spec.focal(0.25, gammaJ, weightJ, true),
                    new FusedFocalKernel.Spec(0.25, FusedFocalKernel.Spec.uniform(2.0, c), null, tail, true, false, false),
                    new FusedFocalKernel.Spec(0.25, FusedFocalKernel.Spec.uniform(2.0, c), null, tail, false, true, false),
                    FusedFocalKernel.Spec.scaledLogits(0.25, 2.0, weightJ)};
            for (FusedFocalKernel.Spec spec : specs) {
                INDArray labels = spec.exemptColumns ? withExempt : y;
                for (INDArray mask : new INDArray[]{null, rowMask, elementMask}) {
                    FusedFocalKernel.Operands o = new FusedFocalKernel.Operands(labels, x, mask);
                    String what = "C=" + c + " alpha " + spec.alpha + " gamma[0] " + spec.gamma[0] + " weight "
                            + (spec.weight != null) + " scale " + (spec.scale != null) + " tail " + (spec.tail != null) + " used " + spec.usedRowsNormalizer
                            + " mask " + (mask == null ? "none" : mask.columns() == 1 ? "[R,1]" : "[R,C]");
                    for (boolean wantGrad : new boolean[]{false, true}) {
                        FusedFocalKernel.Result s = FusedFocalKernel.scalar(o, spec, wantGrad);
                        FusedFocalKernel.Result v = FocalVectorSupport.compute(o, spec, wantGrad, true);
                        worstScore = Math.max(worstScore, Math.abs(v.score - s.score) / Math.abs(s.score));
                        io.github.retina4j.testsupport.Close.assertClose(s.score, v.score, 1e-6, what + " score");
                        if (wantGrad) {
                            // compared as Java arrays: a few thousand small ND4J ops here cost seconds on a busy machine
                            double[] sg = s.grad.data().asDouble();
                            double[] vg = v.grad.data().asDouble();
                            worstGrad = Math.max(worstGrad, maxRelative(sg, vg));
                            assertClose(sg, vg, 1e-6, what + " grad");
                            if (mask != null) {
                                for (int i = 0; i < vg.length; i++) {
                                    double m = mask.columns() == 1 ? rv[i / c][0] : mv[i / c][i % c];
                                    if (m == 0 && vg[i] != 0) {
                                        throw new AssertionError(what + ": masked element " + i + " has gradient " + vg[i]);
                                    }
                                }
                            }
                            if (spec.collectAbs) {
                                assertClose(s.posAbsGrad, v.posAbsGrad, 1e-6, what + " pos stats");
                                assertClose(s.negAbsGrad, v.negAbsGrad, 1e-6, what + " neg stats");
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("vector vs scalar kernel: worst score %.3g, worst gradient %.3g (relative to max|g|)%n",
                worstScore, worstGrad);
        assertTrue(worstGrad > 0, "the two kernels are distinct computations");
    }

    /** max|a − b| / max|b|, as {@link TestSupport#assertArrayClose}. */
    private static double maxRelative(double[] expected, double[] actual) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double r = maxRelative(expected, actual);
        assertTrue(r <= tol, what + ": max abs diff " + r + " × max|expected| > " + tol);
    }
}
