package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.DoublePrecision;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

import java.util.Random;

import static io.github.retina4j.losses.EqualizationLoss.Normalization.POSITIVE_ANCHORS;
import static io.github.retina4j.losses.EqualizationLoss.Normalization.USED_ANCHORS;
import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static io.github.retina4j.testsupport.JsonArrays.array;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class EqualizationLossTest {

    private static final double TOL = 1e-9;

    private static double[] freq() {
        return array(ReferenceData.json("equalization_loss.json").get("hyper").get("freq")).toDoubleVector();
    }

    /** The case in eql.detectron2's own layout: logits [R, C] and gt_classes [R]. */
    private static JsonNode nativeCase() {
        for (JsonNode c : ReferenceData.json("equalization_loss.json").get("cases")) {
            if (c.get("inputs").has("logits")) {
                return c;
            }
        }
        throw new AssertionError("equalization_loss.json has no case with inputs.logits");
    }

    @Test
    void matchesEqlDetectron2NativeRows() {
        JsonNode c = nativeCase();
        INDArray logits = array(c.get("inputs").get("logits"));
        INDArray gt = array(c.get("inputs").get("gt_classes"));
        int cls = (int) logits.columns();
        INDArray y = Nd4j.zeros(DataType.DOUBLE, logits.rows(), cls);
        for (int r = 0; r < gt.length(); r++) {
            int k = gt.getInt(r);
            if (k < cls) {                  // value C = background: all-zero row
                y.putScalar(r, k, 1.0);
            }
        }
        EqualizationLoss loss = new EqualizationLoss(c.get("hyper").get("lambda").asDouble(), freq(), USED_ANCHORS, false);
        JsonNode e = c.get("expected");
        assertArrayClose(array(e.get("threshold_T")), loss.thresholdRow(cls, y).reshape(cls), 0, "T");
        assertArrayClose(array(e.get("weights")), loss.elementWeights(y, cls), 0, "weights");
        assertClose(e.get("total").asDouble(), loss.computeScore(y, logits, new ActivationIdentity(), null, false), TOL, "total");
        assertArrayClose(array(e.get("grad_logits")), loss.computeGradient(y, logits, new ActivationIdentity(), null), TOL, "grad");
    }

    @Test
    void matchesAnchorCasesWithBothNormalisationsAndMaskShapes() {
        JsonNode cases = ReferenceData.json("equalization_loss.json").get("cases");
        int checked = 0;
        int anchorCases = 0;
        for (JsonNode c : cases) {
            if (!c.get("inputs").has("x")) {
                continue;
            }
            anchorCases++;
            double lambda = c.get("hyper").get("lambda").asDouble();
            INDArray x = to2d(array(c.get("inputs").get("x")));
            INDArray y = to2d(array(c.get("inputs").get("y")));
            INDArray m = array(c.get("inputs").get("m"));
            JsonNode e = c.get("expected");
            int cls = (int) x.columns();
            assertEquals(e.get("n_pos").asDouble(), LossMath.countPositiveRows(y, maskColumn(m)));
            assertEquals(e.get("n_used").asDouble(), LossMath.countUsedRows(maskColumn(m), x.rows()));
            for (INDArray mask : new INDArray[]{maskColumn(m), maskElements(m, cls)}) {
                String what = c.get("name").asText() + " mask " + java.util.Arrays.toString(mask.shape());
                EqualizationLoss byPos = new EqualizationLoss(lambda, freq(), POSITIVE_ANCHORS, false);
                EqualizationLoss byUsed = new EqualizationLoss(lambda, freq(), USED_ANCHORS, false);
                // weights on used anchors (ignored ones are dropped by the reference)
                assertArrayClose(to2d(array(e.get("weights"))).mulColumnVector(maskColumn(m)),
                        byPos.elementWeights(y, cls).mulColumnVector(maskColumn(m)), 0, what + " weights");
                assertArrayClose(array(e.get("threshold_T")), byPos.thresholdRow(cls, y).reshape(cls), 0, what + " T");
                assertClose(e.get("total_norm_by_npos").asDouble(),
                        byPos.computeScore(y, x, new ActivationIdentity(), mask, false), TOL, what + " total/Z");
                assertArrayClose(to2d(array(e.get("grad_x_norm_by_npos"))),
                        byPos.computeGradient(y, x, new ActivationIdentity(), mask), TOL, what + " grad/Z");
                assertClose(e.get("total_norm_by_used_anchors").asDouble(),
                        byUsed.computeScore(y, x, new ActivationIdentity(), mask, false), TOL, what + " total/used");
                assertArrayClose(to2d(array(e.get("grad_x_norm_by_used_anchors"))),
                        byUsed.computeGradient(y, x, new ActivationIdentity(), mask), TOL, what + " grad/used");
                // per-element BCE (unmasked, unweighted)
                INDArray[] base = byPos.baseTerms(y, x, Nd4j.ones(DataType.DOUBLE, x.shape()), false);
                assertArrayClose(to2d(array(e.get("per_element_bce"))), base[0], TOL, what + " BCE");
                checked++;
            }
        }
        assertTrue(anchorCases > 0, "no case in the anchor layout");
        assertEquals(2 * anchorCases, checked);
    }

    @Test
    void lambdaZeroIsBinaryCrossEntropy() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 40, 5).subi(0.5).muli(8);
        INDArray y = to2d(randomOneHot(2, 5, 20, 21));
        double[] f = {0.0001, 0.001, 0.01, 0.1, 0.5};
        EqualizationLoss eql = new EqualizationLoss(0.0, f);
        double z = Math.max(1, LossMath.countPositiveRows(y, null));
        double bce = new LossBinaryXENT().computeScore(y, x.dup(), new ActivationSigmoid(), null, false);
        assertClose(bce / z, eql.computeScore(y, x, new ActivationIdentity(), null, false), 1e-9, "EQL(λ=0) = BCE/Z");
        assertArrayClose(new LossBinaryXENT().computeGradient(y, x.dup(), new ActivationSigmoid(), null).div(z),
                eql.computeGradient(y, x, new ActivationIdentity(), null), 1e-9, "gradient");
        assertEquals(0.0, eql.elementWeights(y, 5).sub(1.0).amaxNumber().doubleValue());
    }

    @Test
    void tailRatioHandComputed() {
        long[] counts = {1, 2, 3, 10, 100};
        long images = 200;                // f = 0.005, 0.01, 0.015, 0.05, 0.5
        assertEquals(3.0 / 116, EqualizationLoss.tailRatio(0.012, counts, images), 1e-15);
        assertEquals(0.0, EqualizationLoss.tailRatio(0.005, counts, images), 0.0, "T is strict: f < λ");
        assertEquals(0.05, EqualizationLoss.lambdaForTailRatio(counts, images, 6.0 / 116), 0.0);
        assertEquals(0.015, EqualizationLoss.lambdaForTailRatio(counts, images, 5.0 / 116), 0.0);
        assertEquals(0.005, EqualizationLoss.lambdaForTailRatio(counts, images, 0.0), 0.0);
        assertTrue(EqualizationLoss.lambdaForTailRatio(counts, images, 1.0) > 0.5);
    }

    @Test
    void lambdaFromTailRatioIsTheLargestWithinTarget() {
        Random r = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int c = 1 + r.nextInt(12);
            long images = 50 + r.nextInt(1000);
            long[] counts = new long[c];
            for (int j = 0; j < c; j++) {
                counts[j] = 1 + r.nextInt((int) images);
            }
            double target = r.nextDouble();
            double lambda = EqualizationLoss.lambdaForTailRatio(counts, images, target);
            assertTrue(EqualizationLoss.tailRatio(lambda, counts, images) <= target, "TR(λ) ≤ target");
            double all = EqualizationLoss.tailRatio(Double.MAX_VALUE, counts, images);
            if (EqualizationLoss.tailRatio(lambda, counts, images) < all) {
                assertTrue(EqualizationLoss.tailRatio(Math.nextUp(lambda), counts, images) > target, "maximal");
            }
        }
    }

    /** Hand-computed LVIS case: exempt classes (image positive set or neg_category_ids) keep w = 1. */
    @Test
    void lvisExemptClassesKeepFullWeight() {
        double[] f = {0.001, 0.5, 0.0005};      // λ = 0.01 → T = [1, 0, 1]
        EqualizationLoss plain = new EqualizationLoss(0.01, f);
        EqualizationLoss lvis = new EqualizationLoss(0.01, f, POSITIVE_ANCHORS, true);
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1, 0}, {0, 0, 0}, {1, 0, 0}});
        INDArray exempt = Nd4j.createFromArray(new double[][]{{0, 1, 1}, {1, 1, 1}, {1, 0, 0}});
        INDArray labels = Nd4j.hstack(y, exempt);
        assertArrayClose(Nd4j.createFromArray(new double[][]{{0, 1, 0}, {1, 1, 1}, {1, 1, 0}}),
                plain.elementWeights(y, 3), 0, "plain EQL weights");
        assertArrayClose(Nd4j.createFromArray(new double[][]{{0, 1, 1}, {1, 1, 1}, {1, 1, 0}}),
                lvis.elementWeights(labels, 3), 0, "LVIS weights");
        INDArray x = Nd4j.createFromArray(new double[][]{{0.3, -1, 2}, {0.5, 0.1, -0.2}, {1.5, -3, 0.7}});
        // hand: S = Σ w·softplus(s·x) / Z with Z = 2 positive rows
        double expected = 0;
        double[][] w = {{0, 1, 1}, {1, 1, 1}, {1, 1, 0}};
        for (int r = 0; r < 3; r++) {
            for (int j = 0; j < 3; j++) {
                double xv = x.getDouble(r, j);
                double sx = y.getDouble(r, j) == 1 ? -xv : xv;
                expected += w[r][j] * Math.log1p(Math.exp(sx));
            }
        }
        assertClose(expected / 2, lvis.computeScore(labels, x, new ActivationIdentity(), null, false), 1e-12, "LVIS score");
        INDArray g = lvis.computeGradient(labels, x, new ActivationIdentity(), null);
        assertArrayEquals(new long[]{3, 3}, g.shape());
        assertEquals(0.0, g.getDouble(0, 0), 0.0, "suppressed tail negative has no gradient");
        assertEquals((1 / (1 + Math.exp(-2.0))) / 2, g.getDouble(0, 2), 1e-12, "exempt tail negative keeps its gradient");
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapesAndLvisLabels() {
        double[] f = {0.001, 0.5, 0.0005, 0.2};
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = randomOneHot(2, 4, 6, 3);
        assertTrue(gradientCheck(new EqualizationLoss(0.01, f), in, y, randomMask(5, 2, 6), 4), "[N, A] mask");
        assertTrue(gradientCheck(new EqualizationLoss(0.01, f, USED_ANCHORS, false), in, y, randomMask(6, 2, 4, 6), 4), "[N, C, A] mask");
        INDArray labels = Nd4j.concat(1, y, randomMask(8, 2, 4, 6));
        assertTrue(gradientCheck(new EqualizationLoss(0.01, f, POSITIVE_ANCHORS, true), in, labels, randomMask(5, 2, 6), 4), "LVIS labels");
    }

    @Test
    void finiteForExtremeLogitsInDoubleAndFloat() {
        INDArray x = Nd4j.linspace(-100, 100, 201, DataType.DOUBLE).reshape(201, 1).repeat(1, 3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 201, 3);
        y.getColumn(1).assign(1.0);
        EqualizationLoss l = new EqualizationLoss(0.01, new double[]{0.001, 0.5, 0.005});
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double s = l.computeScore(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), null, false);
            INDArray g = l.computeGradient(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), null).castTo(DataType.DOUBLE);
            assertTrue(Double.isFinite(s), dt + " score " + s);
            assertEquals(0, g.isNaN().castTo(DataType.DOUBLE).sumNumber().intValue() + g.isInfinite().castTo(DataType.DOUBLE).sumNumber().intValue(), dt + " gradient");
        }
    }

    @Test
    void rejectsBadParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EqualizationLoss(-0.1, new double[]{0.1}));
        assertTrue(e.getMessage().contains("lambda") && e.getMessage().contains("-0.1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizationLoss(0.1, new double[]{0.1, 1.2}));
        assertTrue(e.getMessage().contains("frequencies[1]") && e.getMessage().contains("1.2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizationLoss(0.1, new double[]{0.1, 0.2})
                .computeScore(Nd4j.zeros(2, 3), Nd4j.zeros(2, 3), new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("numClasses") && e.getMessage().contains("2 class frequencies"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizationLoss(0.1, new double[]{0.1, 0.2}, POSITIVE_ANCHORS, true)
                .computeScore(Nd4j.zeros(2, 2), Nd4j.zeros(2, 2), new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("4 columns"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EqualizationLoss.lambdaForTailRatio(new long[]{1}, 10, 1.5));
    }

    @Test
    void jsonRoundTripKeepsSettings() {
        jsonRoundTrip(new EqualizationLoss(0.003, new double[]{0.001, 0.5, 0.01, 0.2}, USED_ANCHORS, true), 4);
    }
}
