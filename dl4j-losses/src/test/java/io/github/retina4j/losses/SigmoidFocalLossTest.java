package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.DoublePrecision;
import io.github.retina4j.testsupport.ReferenceData;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static io.github.retina4j.testsupport.JsonArrays.array;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class SigmoidFocalLossTest {

    private static final double TOL = 1e-9;

    @Test
    void matchesTorchvisionReferenceForEveryCaseAndBothMaskShapes() {
        JsonNode cases = ReferenceData.json("focal_loss.json").get("cases");
        assertTrue(cases.size() > 0, "no cases");
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            SigmoidFocalLoss loss = new SigmoidFocalLoss(c.get("hyper").get("alpha").asDouble(), c.get("hyper").get("gamma").asDouble());
            INDArray x = to2d(array(c.get("inputs").get("x")));
            INDArray y = to2d(array(c.get("inputs").get("y")));
            INDArray m = array(c.get("inputs").get("m"));
            JsonNode e = c.get("expected");
            double z = e.get("normalizer").asDouble();
            assertEquals(e.get("n_pos").asDouble(), LossMath.countPositiveRows(y, maskColumn(m)), name);
            INDArray perElem = to2d(array(e.get("per_element_loss")));
            INDArray grad = to2d(array(e.get("grad_x")));
            for (INDArray mask : new INDArray[]{maskColumn(m), maskElements(m, x.columns())}) {
                String what = name + " mask " + java.util.Arrays.toString(mask.shape());
                double score = loss.computeScore(y, x, new ActivationIdentity(), mask, false);
                assertClose(e.get("total").asDouble(), score, TOL, what + " total");
                assertArrayClose(grad, loss.computeGradient(y, x, new ActivationIdentity(), mask), TOL, what + " grad");
                AbstractDenseLoss.Terms t = loss.compute(y, x, mask, false, false);
                assertArrayClose(perElem.mulColumnVector(maskColumn(m)).div(z), t.loss, TOL, what + " per element");
                assertArrayClose(perElem.mulColumnVector(maskColumn(m)).div(z).sum(true, 1),
                        loss.computeScoreArray(y, x, new ActivationIdentity(), mask), TOL, what + " score array");
            }
        }
    }

    /**
     * The DL4J normalisation mechanism, proven in a real graph with N = 2 images: input [2, 6, 40] →
     * 1×1 Convolution1D with W = I, b = 0 (so its output is the reference logits) → RnnLossLayer(focal).
     * (1) the gradient the graph computes for the head bias is the reference ∂S/∂x summed over (n, a)
     * (∂S/∂b_c = Σ_{n,a} grad_x): no division by N in the loss;
     * (2) the reported graph score is S/N (RnnLossLayer divides by N);
     * (3) one SGD(lr = 1) step with miniBatch(false) moves the parameters by −∂S/∂θ (∂S/∂W = Σ grad_x ⊗ x; to TOL),
     * with the default miniBatch(true) by −∂S/∂θ / N. Hence graphs must use miniBatch(false) to optimise S.
     */
    @Test
    void graphWithMiniBatchFalseOptimisesExactlyTheLossObjective() {
        JsonNode c = ReferenceData.json("focal_loss.json").get("cases").get(0);
        INDArray x3 = array(c.get("inputs").get("x"));
        INDArray y3 = array(c.get("inputs").get("y"));
        INDArray m = array(c.get("inputs").get("m"));
        INDArray g3 = array(c.get("expected").get("grad_x"));
        double total = c.get("expected").get("total").asDouble();
        long n = x3.size(0);
        int cls = (int) x3.size(1);
        assertTrue(n > 1, "needs N > 1 to tell S from S/N, got N = " + n);
        // expected parameter gradients from the reference grad_x
        INDArray g2 = to2d(g3);
        INDArray x2 = to2d(x3);
        INDArray expectedBiasGrad = g2.sum(0);                      // [C]
        INDArray expectedWGrad = g2.transpose().mmul(x2);           // [C_out, C_in]

        for (boolean miniBatch : new boolean[]{false, true}) {
            ComputationGraph g = graph(new SigmoidFocalLoss(), cls, cls, miniBatch, new Sgd(1.0));
            INDArray w = g.getParam("head_W");
            INDArray wInit = Nd4j.eye(cls).reshape(w.shape());         // W[o, i, k=1]
            g.setParam("head_W", wInit);
            g.setParam("head_b", Nd4j.zeros(DataType.DOUBLE, g.getParam("head_b").shape()));
            g.setInputs(x3);
            g.setLabels(y3);
            g.setLayerMaskArrays(null, new INDArray[]{m});
            g.computeGradientAndScore();
            assertClose(total / n, g.score(), TOL, "graph score = S / N");
            INDArray bGrad = g.gradient().getGradientFor("head_b");
            assertArrayClose(expectedBiasGrad, bGrad.reshape(cls), TOL, "bias gradient (no division by N)");

            // one SGD(lr = 1) step; read W in its forward layout [out, in, k, 1]
            g.setParam("head_W", wInit);
            g.setParam("head_b", Nd4j.zeros(DataType.DOUBLE, g.getParam("head_b").shape()));
            g.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{x3}, new INDArray[]{y3}, null, new INDArray[]{m}));
            double scale = miniBatch ? 1.0 / n : 1.0;
            INDArray wStep = g.getParam("head_W").reshape(cls, cls).sub(Nd4j.eye(cls));
            assertArrayClose(expectedWGrad.mul(-scale), storedAsOutIn(g, cls, x3) ? wStep : wStep.transpose(), TOL,
                    "W step, miniBatch=" + miniBatch);
            assertArrayClose(expectedBiasGrad.mul(-scale), g.getParam("head_b").reshape(cls), TOL,
                    "b step, miniBatch=" + miniBatch);
        }
    }

    /** Whether the 1×1 conv stores W as [out, in] (else [in, out]), decided from its forward pass. */
    private static boolean storedAsOutIn(ComputationGraph g, int cls, INDArray x3) {
        INDArray saveW = g.getParam("head_W").dup();
        INDArray saveB = g.getParam("head_b").dup();
        INDArray r = Nd4j.rand(DataType.DOUBLE, cls, cls);
        g.setParam("head_W", r.reshape(saveW.shape()));
        g.setParam("head_b", Nd4j.zeros(DataType.DOUBLE, saveB.shape()));
        INDArray out = to2d(g.outputSingle(x3));
        g.setParam("head_W", saveW);
        g.setParam("head_b", saveB);
        INDArray x2 = to2d(x3);
        boolean outIn = out.equalsWithEps(x2.mmul(r.transpose()), 1e-10);
        assertTrue(outIn || out.equalsWithEps(x2.mmul(r), 1e-10), "1x1 conv is a linear map of the input");
        return outIn;
    }

    @Test
    void gammaZeroAlphaHalfIsHalfBinaryCrossEntropy() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 30, 5).subi(0.5).muli(10);   // |x| ≤ 5: DL4J's XENT clipping inactive
        INDArray y = to2d(randomOneHot(3, 5, 10, 7));
        double npos = LossMath.countPositiveRows(y, null);
        double fl = new SigmoidFocalLoss(0.5, 0.0).computeScore(y, x, new ActivationIdentity(), null, false);
        double bce = new LossBinaryXENT().computeScore(y, x.dup(), new ActivationSigmoid(), null, false);
        assertClose(0.5 * bce, fl * Math.max(1, npos), 1e-9, "FL(γ=0, α=0.5)·Z = ½·BCE");
        INDArray gFl = new SigmoidFocalLoss(0.5, 0.0).computeGradient(y, x, new ActivationIdentity(), null).mul(Math.max(1, npos));
        INDArray gBce = new LossBinaryXENT().computeGradient(y, x.dup(), new ActivationSigmoid(), null).mul(0.5);
        assertArrayClose(gBce, gFl, 1e-9, "gradient = ½ BCE gradient");
    }

    @Test
    void finiteForExtremeLogitsInDoubleAndFloat() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = Nd4j.linspace(-100, 100, 201, DataType.DOUBLE).reshape(201, 1).repeat(1, 4).castTo(dt);
            INDArray y = Nd4j.zeros(dt, 201, 4);
            y.getColumn(0).assign(1.0);
            for (double gamma : new double[]{0, 0.5, 2, 5}) {
                SigmoidFocalLoss l = new SigmoidFocalLoss(0.25, gamma);
                double s = l.computeScore(y, x, new ActivationIdentity(), null, false);
                INDArray g = l.computeGradient(y, x, new ActivationIdentity(), null);
                assertTrue(Double.isFinite(s), dt + " gamma " + gamma + " score " + s);
                assertEquals(0, g.castTo(DataType.DOUBLE).isInfinite().castTo(DataType.DOUBLE).sumNumber().intValue() + g.castTo(DataType.DOUBLE).isNaN().castTo(DataType.DOUBLE).sumNumber().intValue(),
                        dt + " gamma " + gamma + " gradient has NaN/Inf");
            }
        }
    }

    @Test
    void gradientCheckInGraphWithBothMaskShapes() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = randomOneHot(2, 4, 6, 3);
        assertTrue(gradientCheck(new SigmoidFocalLoss(), in, y, randomMask(5, 2, 6), 4), "per-anchor mask [N, A]");
        assertTrue(gradientCheck(new SigmoidFocalLoss(0.75, 1.5), in, y, randomMask(6, 2, 4, 6), 4), "per-element mask [N, C, A]");
    }

    @Test
    void rejectsBadHyperParametersAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss(0.25, -1));
        assertTrue(e.getMessage().contains("gamma") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss(1.5, 2));
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss(Double.NaN, 2));
        e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss().computeScore(
                Nd4j.zeros(4, 3), Nd4j.zeros(4, 2), new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SigmoidFocalLoss().computeScore(
                Nd4j.zeros(4, 3), Nd4j.zeros(4, 3), new ActivationIdentity(), Nd4j.ones(4, 2), false));
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
    }

    @Test
    void survivesGraphJsonRoundTrip() {
        SigmoidFocalLoss loss = new SigmoidFocalLoss(0.4, 1.5);
        ComputationGraphConfiguration conf = graph(loss, 3, 4, false, new NoOp()).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        Object restored = ((org.deeplearning4j.nn.conf.layers.RnnLossLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                back.getVertices().get("out")).getLayerConf().getLayer()).getLossFn();
        assertEquals(loss, restored);
        assertEquals(conf, back);
    }
}
