package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static org.junit.jupiter.api.Assertions.*;

/** The fused single-pass kernels (used by computeScore/computeGradient) equal the op-by-op ND4J path. */
@DoublePrecision
class FusedFocalKernelTest {

    private static INDArray[] masks(int n, int c, int a) {
        return new INDArray[]{null, maskColumn(randomMask(3, n, a)), to2d(randomMask(4, n, c, a))};
    }

    @Test
    void focalFusedEqualsOpByOpForAllMaskShapesAndTypes() {
        int n = 3, c = 7, a = 50;
        INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(6)).addi(-1);
        x.putScalar(0, 0, 100);
        x.putScalar(1, 1, -100);
        x.putScalar(2, 2, 40);
        x = x.castTo(DataType.FLOAT).castTo(DataType.DOUBLE);    // float-representable: both types see the same values
        INDArray y = to2d(randomOneHot(n, c, a, 5));
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            // the fused kernel evaluates every element in double, so in float it is compared with the
            // double op-by-op result (float rounding of the stored values only)
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (INDArray mask : masks(n, c, a)) {
                for (SigmoidFocalLoss l : new SigmoidFocalLoss[]{new SigmoidFocalLoss(), new SigmoidFocalLoss(0.6, 0.0),
                        new SigmoidFocalLoss(0.25, 1.5)}) {
                    INDArray xd = x.castTo(dt);
                    INDArray yd = y.castTo(dt);
                    INDArray md = mask == null ? null : mask.castTo(dt);
                    String what = l.name() + " " + dt + " mask " + (mask == null ? "none" : java.util.Arrays.toString(mask.shape()));
                    AbstractDenseLoss.Terms t = l.compute(y, x, mask, true, false);
                    assertClose(t.loss.sumNumber().doubleValue(), l.computeScore(yd, xd, new ActivationIdentity(), md, false), tol, what);
                    INDArray g = l.computeGradient(yd, xd, new ActivationIdentity(), md);
                    assertEquals(dt, g.dataType());
                    assertArrayClose(t.grad, g, tol, what);
                }
            }
        }
    }

    @Test
    void eflFusedEqualsOpByOpIncludingStateUpdates() {
        int n = 2, c = 5, a = 40;
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            EqualizedFocalLoss fused = new EqualizedFocalLoss(c);
            EqualizedFocalLoss ops = new EqualizedFocalLoss(c);
            for (int step = 0; step < 3; step++) {
                // float inputs exactly representable in both types; reference = double op-by-op path
                INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(3)).castTo(dt).castTo(DataType.DOUBLE);
                INDArray y = to2d(randomOneHot(n, c, a, 10 + step));
                INDArray mask = masks(n, c, a)[1 + step % 2];
                AbstractDenseLoss.Terms t = ops.compute(y, x, mask, true, true);
                ops.afterTrainingGradient(y, t.grad, mask);
                INDArray g = fused.computeGradient(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), mask.castTo(dt));
                assertArrayClose(t.grad, g, tol, dt + " step " + step + " grad");
                assertArrayClose(Nd4j.createFromArray(ops.getPosGrad()), Nd4j.createFromArray(fused.getPosGrad()), tol, "posGrad");
                assertArrayClose(Nd4j.createFromArray(ops.getNegGrad()), Nd4j.createFromArray(fused.getNegGrad()), tol, "negGrad");
                assertArrayClose(Nd4j.createFromArray(ops.getPosNeg()), Nd4j.createFromArray(fused.getPosNeg()), tol, "posNeg");
            }
        }
    }

    /** EQL-focal: both normalisations, LVIS exempt columns, all mask shapes, double and float, against op-by-op. */
    @Test
    void eqlFocalFusedEqualsOpByOp() {
        int n = 2, c = 21, a = 30;                       // 21 ≥ the vector width: float runs the vector kernel if on
        double[] f = new double[c];
        java.util.Random r = new java.util.Random(5);
        for (int j = 0; j < c; j++) {
            f[j] = j % 3 == 0 ? 1e-4 * (1 + j) : 0.05 + 0.02 * j;
        }
        INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(4)).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
        INDArray y = to2d(randomOneHot(n, c, a, 21));
        INDArray exempt = Nd4j.createFromArray(r.doubles((long) n * a * c).map(u -> u < 0.3 ? 1 : 0).toArray())
                .reshape(n * a, c);
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (EqualizationLoss.Normalization norm : EqualizationLoss.Normalization.values()) {
                for (boolean lvis : new boolean[]{false, true}) {
                    INDArray labels = lvis ? Nd4j.hstack(y, exempt) : y;
                    EqualizationFocalLoss l = new EqualizationFocalLoss(0.01, f, norm, lvis, 0.25, 2.0);
                    for (INDArray mask : masks(n, c, a)) {
                        String what = l.name() + " " + dt + " mask " + (mask == null ? "none" : java.util.Arrays.toString(mask.shape()));
                        AbstractDenseLoss.Terms t = l.compute(labels, x, mask, true, false);
                        INDArray md = mask == null ? null : mask.castTo(dt);
                        assertClose(t.loss.sumNumber().doubleValue(),
                                l.computeScore(labels.castTo(dt), x.castTo(dt), new ActivationIdentity(), md, false), tol, what);
                        assertArrayClose(t.grad, l.computeGradient(labels.castTo(dt), x.castTo(dt), new ActivationIdentity(), md),
                                tol, what);
                    }
                }
            }
        }
    }

    /** Focal and EFL in float with rows wider than a vector (the vector kernel when it is on), against op-by-op. */
    @Test
    void floatRowsWiderThanAVectorEqualOpByOp() {
        int n = 2, a = 40;
        for (int c : new int[]{16, 37}) {                // a whole number of 16-lane vectors, and an overlapping last one
            INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(5)).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
            INDArray y = to2d(randomOneHot(n, c, a, c));
            for (INDArray mask : masks(n, c, a)) {
                INDArray md = mask == null ? null : mask.castTo(DataType.FLOAT);
                for (SigmoidFocalLoss l : new SigmoidFocalLoss[]{new SigmoidFocalLoss(), new SigmoidFocalLoss(0.25, 1.5)}) {
                    String what = l.name() + " C=" + c;
                    AbstractDenseLoss.Terms t = l.compute(y, x, mask, true, false);
                    assertClose(t.loss.sumNumber().doubleValue(), l.computeScore(y.castTo(DataType.FLOAT),
                            x.castTo(DataType.FLOAT), new ActivationIdentity(), md, false), 1e-6, what);
                    assertArrayClose(t.grad, l.computeGradient(y.castTo(DataType.FLOAT), x.castTo(DataType.FLOAT),
                            new ActivationIdentity(), md), 1e-6, what);
                }
                EqualizedFocalLoss fused = new EqualizedFocalLoss(c);
                EqualizedFocalLoss ops = new EqualizedFocalLoss(c);
                for (int step = 0; step < 2; step++) {
                    AbstractDenseLoss.Terms t = ops.compute(y, x, mask, true, true);
                    ops.afterTrainingGradient(y, t.grad, mask);
                    INDArray g = fused.computeGradient(y.castTo(DataType.FLOAT), x.castTo(DataType.FLOAT),
                            new ActivationIdentity(), md);
                    String what = "EFL C=" + c + " step " + step;
                    assertArrayClose(t.grad, g, 1e-6, what + " grad");
                    assertArrayClose(Nd4j.createFromArray(ops.getPosGrad()), Nd4j.createFromArray(fused.getPosGrad()), 1e-6, what + " posGrad");
                    assertArrayClose(Nd4j.createFromArray(ops.getNegGrad()), Nd4j.createFromArray(fused.getNegGrad()), 1e-6, what + " negGrad");
                    assertArrayClose(Nd4j.createFromArray(ops.getPosNeg()), Nd4j.createFromArray(fused.getPosNeg()), 1e-6, what + " posNeg");
                }
            }
        }
    }

    /**
     * IIF focal: per-class logit scales (zero, below and above 1, LVIS-sized ln(N/n)) through the fused kernel against
     * the op-by-op form, double and float, all mask shapes, rows narrower and wider than a vector.
     */
    @Test
    void iifFocalFusedEqualsOpByOp() {
        int n = 2, a = 30;
        for (int c : new int[]{7, 37}) {
            double[] w = new double[c];
            for (int j = 0; j < c; j++) {
                w[j] = j == 0 ? 0 : j == 1 ? 11.5 : 0.25 + 0.3 * j;
            }
            INDArray x = to2d(Nd4j.randn(DataType.DOUBLE, n, c, a).muli(4)).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
            x.putScalar(0, 1, 30);
            x.putScalar(1, 2, -40);
            INDArray y = to2d(randomOneHot(n, c, a, 30 + c));
            for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
                // the float op-by-op form rounds w·x to float before the focal term: compare with the double one
                double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
                for (IifFocalLoss l : new IifFocalLoss[]{new IifFocalLoss(w), new IifFocalLoss(w, 0.6, 1.5)}) {
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
                    }
                }
            }
        }
    }

    /**
     * PISA: the focal columns on the kernel and the positive rows through {@code evaluate} alone, against the op-by-op
     * form on all rows; the reference fixture and random [R, C + 4] inputs (two segments, rows narrower and wider than
     * a vector, ISR-P and CARL on and off), double and float, all mask shapes.
     */
    @Test
    void pisaFusedEqualsOpByOp() {
        PisaLossTest.Fixture f = PisaLossTest.fixture();
        pisaCase("fixture", f.labels(), f.pre(), new INDArray[]{null, f.anchorMask(), f.elementMask()});
        java.util.Random rnd = new java.util.Random(8);
        int rows = 300;
        for (int c : new int[]{7, 37}) {
            double[][] pre = new double[rows][c + 4];
            double[][] lab = new double[rows][c + 5];
            double[][] rm = new double[rows][1];
            double[][] em = new double[rows][c + 4];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < c + 4; j++) {
                    pre[r][j] = j < c ? 3 * rnd.nextGaussian() - 2 : 0.5 * rnd.nextGaussian();
                    em[r][j] = rnd.nextInt(6) == 0 ? 0 : 1;
                }
                rm[r][0] = rnd.nextInt(8) == 0 ? 0 : 1;
                if (rnd.nextInt(10) == 0) {
                    lab[r][rnd.nextInt(c)] = 1;
                    for (int j = 0; j < 4; j++) {
                        lab[r][c + j] = 0.5 * rnd.nextGaussian();
                    }
                    lab[r][c + 4] = rnd.nextInt(6);
                }
            }
            INDArray x = Nd4j.createFromArray(pre).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
            INDArray y = Nd4j.createFromArray(lab).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
            pisaCase("C=" + c, y, x, new INDArray[]{null, Nd4j.createFromArray(rm), Nd4j.createFromArray(em)});
        }
    }

    private static void pisaCase(String name, INDArray y, INDArray x, INDArray[] masks) {
        double[] stds = {0.1, 0.1, 0.2, 0.2};
        PisaLoss[] losses = {new PisaLoss(), new PisaLoss(0.25, 2.0, true, 2.0, 0.0, false, 1.0, 0.2, 0.11, stds),
                new PisaLoss(0.25, 1.5, false, 2.0, 0.0, true, 1.0, 0.2, 0.0, stds)};
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (PisaLoss l : losses) {
                for (INDArray mask : masks) {
                    String what = name + " " + l.name() + " " + dt + " mask "
                            + (mask == null ? "none" : java.util.Arrays.toString(mask.shape()));
                    AbstractDenseLoss.Terms t = l.compute(y, x, mask, true, false);
                    INDArray md = mask == null ? null : mask.castTo(dt);
                    assertClose(t.loss.sumNumber().doubleValue(),
                            l.computeScore(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), md, false), tol, what);
                    INDArray g = l.computeGradient(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), md);
                    assertEquals(dt, g.dataType());
                    assertArrayClose(t.grad, g, tol, what);
                }
            }
        }
    }

    @Test
    void appliesOnlyToFloatingTypesWithMatchingLabels() {
        assertTrue(FusedFocalKernel.applicable(Nd4j.zeros(DataType.FLOAT, 2, 2), Nd4j.zeros(DataType.FLOAT, 2, 2)));
        assertFalse(FusedFocalKernel.applicable(Nd4j.zeros(DataType.DOUBLE, 2, 2), Nd4j.zeros(DataType.FLOAT, 2, 2)));
        assertFalse(FusedFocalKernel.applicable(Nd4j.zeros(DataType.HALF, 2, 2), Nd4j.zeros(DataType.HALF, 2, 2)));
        // mixed types fall back to the op-by-op path and still work
        double s = new SigmoidFocalLoss().computeScore(Nd4j.zeros(DataType.DOUBLE, 2, 2), Nd4j.ones(DataType.FLOAT, 2, 2),
                new ActivationIdentity(), null, false);
        assertTrue(s > 0);
    }
}
