package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.DoublePrecision;
import io.github.retina4j.testsupport.JsonArrays;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static io.github.retina4j.testsupport.JsonArrays.array;
import static org.junit.jupiter.api.Assertions.*;

/** PISA (DESIGN §3.6) against reference/pisa.json, its invariant and its gradients. */
@DoublePrecision
class PisaLossTest {

    static final String FILE = "pisa.json";
    /** reference/README.md "Suggested tolerances". */
    static final double REL = 1e-9;
    static final double IOU_ABS = 1e-12;

    /** The fixture in the loss's joint 2D layout. */
    record Fixture(JsonNode root, int n, int c, int a, INDArray pre, INDArray labels, INDArray anchorMask,
                   INDArray elementMask) {
        JsonNode expected() {
            return root.get("expected");
        }
    }

    static Fixture fixture() {
        JsonNode root = ReferenceData.json(FILE);
        JsonNode in = root.get("inputs");
        INDArray x = array(in.get("x"));
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int a = (int) x.size(2);
        INDArray pre = Nd4j.concat(1, to2d(x), to2d(array(in.get("box_pred"))));
        // group column: (image, assigned gt) numbered with each image's gt count as offset
        INDArray groups = Nd4j.zeros(DataType.DOUBLE, n * a, 1).subi(1);
        INDArray elementMask = Nd4j.zeros(DataType.DOUBLE, n * a, c + 4);
        int offset = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < a; j++) {
                int gt = in.get("assigned_gt").get(i).get(j).asInt();
                double m = in.get("m").get(i).get(j).asDouble();
                boolean positive = in.get("labels").get(i).get(j).asInt() >= 0 && m > 0;
                if (positive) {
                    groups.putScalar(i * a + j, 0, offset + gt);
                }
                for (int k = 0; k < c; k++) {
                    elementMask.putScalar(i * a + j, k, m);
                }
                for (int k = 0; k < 4; k++) {
                    elementMask.putScalar(i * a + j, c + k, positive ? 1.0 : 0.0);
                }
            }
            offset += in.get("gt_boxes").get(i).size();
        }
        INDArray labels = Nd4j.concat(1, to2d(array(in.get("y"))), to2d(array(in.get("box_target"))), groups);
        return new Fixture(root, n, c, a, pre, labels, maskColumn(array(in.get("m"))), elementMask);
    }

    static PisaLoss loss(JsonNode hyper, boolean isr, JsonNode carl) {
        JsonNode f = hyper.get("focal");
        JsonNode i = hyper.get("isr");
        JsonNode cl = carl == null ? hyper.get("carl") : carl;
        return new PisaLoss(f.get("alpha").asDouble(), f.get("gamma").asDouble(), isr, i.get("k").asDouble(),
                i.get("bias").asDouble(), carl != null, cl.get("k").asDouble(), cl.get("bias").asDouble(),
                cl.get("smooth_l1_beta").asDouble(), new double[]{1, 1, 1, 1});
    }

    static INDArray rows(double[] flat, int rows, int cols) {
        return Nd4j.createFromArray(flat).reshape('c', rows, cols);
    }

    @Test
    void isrIntermediatesMatchReference() {
        Fixture f = fixture();
        JsonNode e = f.expected();
        JsonNode isr = e.get("isr_p");
        for (INDArray mask : new INDArray[]{f.anchorMask(), f.elementMask()}) {
            PisaLoss.Parts p = loss(f.root().get("hyper"), true, null).evaluate(f.labels(), f.pre(), mask, null);
            PisaLoss.IsrResult r = p.isr();
            assertEquals(e.get("n_pos").asInt(), p.numPositive());
            assertArrayEquals(JsonArrays.ints(e.get("positive_rows")), r.rows());
            int[] labels = new int[r.rows().length];
            int[] groups = JsonArrays.ints(isr.get("group_ids"));
            for (int i = 0; i < labels.length; i++) {
                int row = r.rows()[i];
                labels[i] = f.root().get("inputs").get("labels").get(row / f.a()).get(row % f.a()).asInt();
                for (int j = 0; j < labels.length; j++) {
                    assertEquals(groups[i] == groups[j], r.groups()[i] == r.groups()[j], "group of positives " + i + ", " + j);
                }
            }
            assertArrayEquals(labels, r.classes());
            double[] iou = JsonArrays.doubles(isr.get("iou_pred_vs_target"));
            for (int i = 0; i < iou.length; i++) {
                assertEquals(iou[i], r.iou()[i], IOU_ABS, "IoU of positive " + i);
            }
            assertArrayEquals(JsonArrays.ints(isr.get("local_rank_within_gt")), r.localRank());
            assertArrayEquals(JsonArrays.ints(isr.get("hlr_rank_within_class")), r.hlrRank());
            assertEquals(isr.get("max_l_num").asInt(), r.maxPerClass());
            assertArrayClose(JsonArrays.doubles(isr.get("u")), r.u(), REL, "u");
            assertArrayClose(JsonArrays.doubles(isr.get("weights_before_rescale")), r.rawWeights(), REL, "raw weights");
            assertClose(isr.get("rescale_ratio").asDouble(), r.rescaleRatio(), REL, "rescale ratio");
            assertArrayClose(JsonArrays.doubles(isr.get("weights")), r.weights(), REL, "weights");
            INDArray labelWeights = f.anchorMask().dup();
            for (int i = 0; i < r.rows().length; i++) {
                labelWeights.putScalar(r.rows()[i], 0, r.weights()[i]);
            }
            assertArrayClose(maskColumn(array(isr.get("label_weights_after_isr_p"))), labelWeights, REL, "label weights");
        }
    }

    @Test
    void isrWeightedFocalLossMatchesReference() {
        Fixture f = fixture();
        JsonNode e = f.expected().get("cls_loss_with_isr_p_weights");
        for (INDArray mask : new INDArray[]{f.anchorMask(), f.elementMask()}) {
            PisaLoss.Parts p = loss(f.root().get("hyper"), true, null).evaluate(f.labels(), f.pre(), mask, null);
            assertClose(e.get("total").asDouble(), p.cls(), REL, "ISR-P focal total");
            assertArrayClose(to2d(array(e.get("grad_x"))), rows(p.clsGrad(), f.n() * f.a(), f.c()), REL, "ISR-P focal grad");
        }
    }

    @Test
    void carlMatchesReferenceInBothVariants() {
        Fixture f = fixture();
        int checked = 0;
        var names = f.expected().fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.startsWith("carl")) {
                continue;
            }
            JsonNode e = f.expected().get(name);
            for (boolean isr : new boolean[]{true, false}) {
                for (INDArray mask : new INDArray[]{f.anchorMask(), f.elementMask()}) {
                    PisaLoss.Parts p = loss(f.root().get("hyper"), isr, e.get("hyper")).evaluate(f.labels(), f.pre(), mask, null);
                    String what = name + (isr ? " with ISR-P" : "") + " mask " + mask.columns();
                    assertClose(e.get("total").asDouble(), p.carl(), REL, what + " total");
                    assertArrayClose(JsonArrays.doubles(e.get("carl_weights_per_positive")), p.carlWeights(), REL,
                            what + " weights");
                    int r = f.n() * f.a();
                    assertArrayClose(to2d(array(e.get("grad_x"))), rows(p.carlClsGrad(), r, f.c()), REL, what + " grad x");
                    assertArrayClose(to2d(array(e.get("grad_box_pred"))), rows(p.carlBoxGrad(), r, 4), REL,
                            what + " grad box");
                }
            }
            checked++;
        }
        assertEquals(2, checked, "CARL cases of " + FILE);
    }

    /** The loss DL4J sees: ISR-P focal + smooth L1 (checked against SmoothL1Loss) + CARL, score and gradient. */
    @Test
    void jointLossIsTheSumOfItsTerms() {
        Fixture f = fixture();
        JsonNode hyper = f.root().get("hyper");
        PisaLoss loss = loss(hyper, true, hyper.get("carl"));
        JsonNode e = f.expected();
        JsonNode carl = e.get("carl_defaults_k1_bias0.2");
        int r = f.n() * f.a();
        int c = f.c();
        INDArray boxPred = f.pre().get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 4));
        INDArray boxTarget = f.labels().get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 4));
        INDArray posMask = f.elementMask().get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 4));
        SmoothL1Loss sl1 = new SmoothL1Loss(hyper.get("carl").get("smooth_l1_beta").asDouble());
        double box = sl1.computeScore(boxTarget, boxPred, new ActivationIdentity(), posMask, false);
        INDArray boxGrad = sl1.computeGradient(boxTarget, boxPred, new ActivationIdentity(), posMask);
        double expected = e.get("cls_loss_with_isr_p_weights").get("total").asDouble() + box + carl.get("total").asDouble();
        INDArray expectedGrad = Nd4j.concat(1,
                to2d(array(e.get("cls_loss_with_isr_p_weights").get("grad_x"))).addi(to2d(array(carl.get("grad_x")))),
                boxGrad.add(to2d(array(carl.get("grad_box_pred")))));
        for (INDArray mask : new INDArray[]{f.anchorMask(), f.elementMask()}) {
            String what = "mask " + mask.columns();
            assertClose(expected, loss.computeScore(f.labels(), f.pre(), new ActivationIdentity(), mask, false), REL, what);
            assertArrayClose(expectedGrad, loss.computeGradient(f.labels(), f.pre(), new ActivationIdentity(), mask), REL, what);
            var both = loss.computeGradientAndScore(f.labels(), f.pre(), new ActivationIdentity(), mask, false);
            assertClose(expected, both.getFirst(), REL, what + " score of computeGradientAndScore");
            assertClose(expected, loss.computeScoreArray(f.labels(), f.pre(), new ActivationIdentity(), mask).sumNumber()
                    .doubleValue(), REL, what + " per-anchor scores");
            assertEquals(r, loss.computeScoreArray(f.labels(), f.pre(), new ActivationIdentity(), mask).length());
        }
    }

    /** ISR-P rescales so that Σ_pos Σ_c m·w·FL = Σ_pos Σ_c m·FL (mmdetection isr_p), on random batches. */
    @Test
    void isrPreservesThePositivesFocalSum() {
        PisaLoss with = new PisaLoss();
        PisaLoss without = new PisaLoss(0.25, 2, false, 2, 0, true, 1, 0.2, 0.11, new double[]{1, 1, 1, 1});
        for (int seed = 0; seed < 20; seed++) {
            Random rnd = new Random(seed);
            int n = 1 + rnd.nextInt(3);
            int c = 1 + rnd.nextInt(6);
            int a = 5 + rnd.nextInt(40);
            INDArray[] batch = randomBatch(rnd, n, c, a);
            PisaLoss.Parts p = with.evaluate(batch[1], batch[0], batch[2], null);
            PisaLoss.Parts q = without.evaluate(batch[1], batch[0], batch[2], null);
            double weighted = 0;
            double plain = 0;
            for (int row : p.positiveRows()) {
                for (int j = 0; j < c; j++) {
                    weighted += p.clsTerms()[row * c + j];
                    plain += q.clsTerms()[row * c + j];
                }
            }
            assertClose(plain, weighted, 1e-12, "seed " + seed);
            // negatives keep weight 1, so the whole focal sum is preserved too
            assertClose(q.cls(), p.cls(), 1e-12, "whole focal sum, seed " + seed);
            if (p.numPositive() > 1) {
                double[] w = p.isr().weights();
                assertTrue(java.util.Arrays.stream(w).max().getAsDouble() > java.util.Arrays.stream(w).min().getAsDouble(),
                        "ISR-P weights all equal, seed " + seed);
                assertFalse(java.util.Arrays.equals(p.clsGrad(), q.clsGrad()), "ISR-P changed no gradient, seed " + seed);
            }
        }
    }

    /** Random pre-output [R, C+4], labels [R, C+5] (one-hot, targets, groups) and a mask [R, 1]. */
    static INDArray[] randomBatch(Random rnd, int n, int c, int a) {
        int r = n * a;
        INDArray pre = Nd4j.zeros(DataType.DOUBLE, r, c + 4);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, r, c + 5);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, r, 1);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                pre.putScalar(i, j, rnd.nextGaussian() * 2 - 2);
            }
            for (int j = 0; j < 4; j++) {
                pre.putScalar(i, c + j, rnd.nextGaussian() * 0.3);
            }
            int kind = rnd.nextInt(5);
            if (kind == 0) {
                mask.putScalar(i, 0, 0.0);
            } else if (kind <= 2) {
                int gt = rnd.nextInt(3);
                labels.putScalar(i, (gt * 7 + i / a) % c, 1.0);
                for (int j = 0; j < 4; j++) {
                    labels.putScalar(i, c + j, rnd.nextGaussian() * 0.3);
                }
                labels.putScalar(i, c + 4, (i / a) * 3 + gt);
            } else {
                labels.putScalar(i, c + 4, -1);
            }
        }
        return new INDArray[]{pre, labels, mask};
    }

    /**
     * Central differences of the whole objective (ISR-P focal + smooth L1 + CARL) against computeGradient, with the
     * ISR-P weights held at their value at the point (constants for the gradient, as in mmdetection); and of CARL
     * alone against its gradient. Elements whose residual is within 1e-4 of smooth L1's branch point are skipped.
     */
    @Test
    void finiteDifferencesOfCarlAndOfTheJointLoss() {
        Fixture f = fixture();
        JsonNode hyper = f.root().get("hyper");
        PisaLoss loss = loss(hyper, true, hyper.get("carl"));
        double beta = loss.getBeta();
        INDArray mask = f.anchorMask();
        PisaLoss.Parts at = loss.evaluate(f.labels(), f.pre(), mask, null);
        double[] fixed = at.isr().weights();
        INDArray grad = loss.computeGradient(f.labels(), f.pre(), new ActivationIdentity(), mask);
        int r = f.n() * f.a();
        int c = f.c();
        double h = 1e-6;
        int checked = 0;
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c + 4; j++) {
                if (j >= c) {
                    double d = Math.abs(f.pre().getDouble(i, j) - f.labels().getDouble(i, j));
                    if (Math.abs(d - beta) < 1e-4 || d < 1e-4) {
                        continue;
                    }
                }
                INDArray plus = f.pre().dup();
                plus.putScalar(i, j, plus.getDouble(i, j) + h);
                INDArray minus = f.pre().dup();
                minus.putScalar(i, j, minus.getDouble(i, j) - h);
                PisaLoss.Parts pp = loss.evaluate(f.labels(), plus, mask, fixed);
                PisaLoss.Parts pm = loss.evaluate(f.labels(), minus, mask, fixed);
                double numeric = (pp.total() - pm.total()) / (2 * h);
                assertEquals(numeric, grad.getDouble(i, j), 1e-7 + 1e-5 * Math.abs(numeric), "joint ∂S/∂x[" + i + ", " + j + "]");
                double numericCarl = (pp.carl() - pm.carl()) / (2 * h);
                double analyticCarl = j < c ? at.carlClsGrad()[i * c + j] : at.carlBoxGrad()[i * 4 + j - c];
                assertEquals(numericCarl, analyticCarl, 1e-7 + 1e-5 * Math.abs(numericCarl), "∂CARL/∂x[" + i + ", " + j + "]");
                checked++;
            }
        }
        assertTrue(checked > r * c, "checked " + checked);
    }

    /** DL4J's gradient check through a graph (focal + smooth L1 + CARL; ISR-P weights move with the logits). */
    @Test
    void gradientCheckInGraphWithCarl() {
        Random rnd = new Random(7);
        int n = 2;
        int c = 3;
        int a = 8;
        INDArray[] batch = randomBatch(rnd, n, c, a);
        // labels [R, C+5] back to [N, C+5, A]; mask [R, 1] to [N, A]
        INDArray labels3d = batch[1].reshape('c', n, a, c + 5).permute(0, 2, 1).dup('c');
        INDArray mask2d = batch[2].reshape('c', n, a);
        INDArray in = Nd4j.rand(DataType.DOUBLE, n, 3, a).subi(0.5).muli(2);
        PisaLoss carlOnly = new PisaLoss(0.25, 2, false, 2, 0, true, 1, 0.2, 0.11, new double[]{1, 1, 1, 1});
        assertTrue(gradientCheck(carlOnly, in, labels3d, mask2d, c + 4), "CARL k 1 bias 0.2");
        PisaLoss carlK2 = new PisaLoss(0.25, 2, false, 2, 0, true, 2, 0, 0.11, new double[]{1, 1, 1, 1});
        assertTrue(gradientCheck(carlK2, in, labels3d, mask2d, c + 4), "CARL k 2 bias 0");
    }

    @Test
    void iouFromDeltasEqualsIouOfBoxesDecodedOnTheAnchors() {
        // the fixture's IoUs were computed on boxes decoded against the real anchors; the loss never sees anchors
        Fixture f = fixture();
        PisaLoss.Parts p = new PisaLoss().evaluate(f.labels(), f.pre(), f.anchorMask(), null);
        JsonNode anchors = f.root().get("inputs").get("anchors");
        for (int i = 0; i < p.positiveRows().length; i++) {
            int row = p.positiveRows()[i];
            JsonNode an = anchors.get(row / f.a()).get(row % f.a());
            double[] pred = decode(an, f.pre(), row, f.c());
            double[] target = decode(an, f.labels(), row, f.c());
            double iw = Math.max(0, Math.min(pred[2], target[2]) - Math.max(pred[0], target[0]));
            double ih = Math.max(0, Math.min(pred[3], target[3]) - Math.max(pred[1], target[1]));
            double inter = iw * ih;
            double union = (pred[2] - pred[0]) * (pred[3] - pred[1]) + (target[2] - target[0]) * (target[3] - target[1]) - inter;
            assertEquals(inter / union, p.isr().iou()[i], IOU_ABS, "positive " + i);
        }
    }

    private static double[] decode(JsonNode anchor, INDArray arr, int row, int c) {
        double w = anchor.get(2).asDouble() - anchor.get(0).asDouble();
        double h = anchor.get(3).asDouble() - anchor.get(1).asDouble();
        double cx = anchor.get(0).asDouble() + 0.5 * w + arr.getDouble(row, c) * w;
        double cy = anchor.get(1).asDouble() + 0.5 * h + arr.getDouble(row, c + 1) * h;
        double bw = w * Math.exp(Math.max(-PisaLoss.DELTA_CLAMP, Math.min(PisaLoss.DELTA_CLAMP, arr.getDouble(row, c + 2))));
        double bh = h * Math.exp(Math.max(-PisaLoss.DELTA_CLAMP, Math.min(PisaLoss.DELTA_CLAMP, arr.getDouble(row, c + 3))));
        return new double[]{cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh};
    }

    @Test
    void defaultsAreMmdetectionsPisaRetinaNet() {
        PisaLoss d = new PisaLoss();
        assertEquals(2.0, d.getIsrK());
        assertEquals(0.0, d.getIsrBias());
        assertEquals(1.0, d.getCarlK());
        assertEquals(0.2, d.getCarlBias());
        assertEquals(0.11, d.getBeta());
        assertTrue(d.isIsr() && d.isCarl());
    }

    @Test
    void jsonRoundTrip() {
        TestSupport.jsonRoundTrip(new PisaLoss(0.3, 1.5, true, 3, 0.1, false, 2, 0.1, 0.2, new double[]{1, 1, 2, 2}), 7);
        TestSupport.jsonRoundTrip(new PisaLoss(), 5);
    }

    @Test
    void rejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PisaLoss(0.25, 2, true, 2, 1.5, true, 1, 0.2, 0.11, new double[]{1, 1, 1, 1}));
        assertTrue(e.getMessage().contains("isrBias"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PisaLoss(0.25, 2, true, 2, 0, true, 1, 0.2, 0.11, new double[]{1, 1}));
        assertTrue(e.getMessage().contains("deltaStds"), e.getMessage());
        // labels without the group column
        INDArray pre = Nd4j.zeros(DataType.DOUBLE, 4, 6);
        e = assertThrows(IllegalArgumentException.class,
                () -> new PisaLoss().computeScore(Nd4j.zeros(DataType.DOUBLE, 4, 6), pre, new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("7 columns"), e.getMessage());
    }

    @Test
    void noPositivesGivesTheFocalLossOfTheNegatives() {
        INDArray pre = Nd4j.rand(DataType.DOUBLE, 6, 7).subi(0.5);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 6, 8);
        double s = new PisaLoss().computeScore(labels, pre, new ActivationIdentity(), null, false);
        INDArray cls = pre.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3));
        double focal = new SigmoidFocalLoss().computeScore(Nd4j.zeros(DataType.DOUBLE, 6, 3), cls, new ActivationIdentity(), null, false);
        assertClose(focal, s, 1e-12, "no positives");
    }
}
