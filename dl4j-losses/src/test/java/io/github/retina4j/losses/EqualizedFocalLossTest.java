package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.DoublePrecision;
import io.github.retina4j.testsupport.ReferenceData;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.nio.file.Path;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static io.github.retina4j.testsupport.JsonArrays.array;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class EqualizedFocalLossTest {

    private static final double TOL = 1e-9;

    private static double[] vec(JsonNode n) {
        return array(n).toDoubleVector();
    }

    private static void assertVec(double[] expected, double[] actual, double tol, String what) {
        assertArrayClose(Nd4j.createFromArray(expected), Nd4j.createFromArray(actual), tol, what);
    }

    /** Every step of every reference case: loss, gradient, per-element loss, factors and state after each step. */
    @Test
    void matchesEodReferenceOverThreeTrainingStepsForBothMaskShapes() {
        JsonNode root = ReferenceData.json("equalized_focal_loss.json");
        JsonNode h = root.get("hyper");
        assertTrue(root.get("cases").size() > 0, "no cases");
        for (JsonNode c : root.get("cases")) {
            for (boolean perElement : new boolean[]{false, true}) {
                EqualizedFocalLoss loss = null;
                int stepNo = 0;
                for (JsonNode s : c.get("steps")) {
                    String what = c.get("name").asText() + " step " + (++stepNo) + (perElement ? " [R,C] mask" : " [R,1] mask");
                    INDArray x = to2d(array(s.get("inputs").get("x")));
                    INDArray y = to2d(array(s.get("inputs").get("y")));
                    INDArray m = array(s.get("inputs").get("m"));
                    INDArray mask = perElement ? maskElements(m, x.columns()) : maskColumn(m);
                    if (loss == null) {
                        loss = new EqualizedFocalLoss(h.get("alpha").asDouble(), h.get("gamma_b").asDouble(),
                                h.get("scale_factor").asDouble(), (int) x.columns());
                    }
                    assertEquals(EqualizedFocalLoss.EPS, h.get("eps").asDouble());
                    JsonNode sb = s.get("state_before");
                    assertVec(vec(sb.get("pos_grad")), loss.getPosGrad(), TOL, what + " pos_grad before");
                    assertVec(vec(sb.get("neg_grad")), loss.getNegGrad(), TOL, what + " neg_grad before");
                    assertVec(vec(sb.get("pos_neg")), loss.getPosNeg(), TOL, what + " pos_neg before");
                    assertVec(vec(s.get("focusing_factor_gamma_j")), loss.focusingFactors(), TOL, what + " gamma_j");

                    JsonNode e = s.get("expected");
                    double z = e.get("normalizer").asDouble();
                    // scoring (evaluation) must not touch the state
                    double[] ourBefore = loss.getPosNeg();
                    double score = loss.computeScore(y, x, new ActivationIdentity(), mask, false);
                    loss.computeScoreArray(y, x, new ActivationIdentity(), mask);
                    assertArrayEquals(ourBefore, loss.getPosNeg(), what + " state unchanged by scoring");
                    AbstractDenseLoss.Terms t = loss.compute(y, x, mask, false, false);
                    assertArrayClose(to2d(array(e.get("per_element_loss"))).mulColumnVector(maskColumn(m)).div(z), t.loss, TOL,
                            what + " per element");
                    assertClose(e.get("total").asDouble(), score, TOL, what + " total");
                    // training path: gradient, then the state update
                    Pair<Double, INDArray> gs = loss.computeGradientAndScore(y, x, new ActivationIdentity(), mask, false);
                    assertClose(e.get("total").asDouble(), gs.getFirst(), TOL, what + " total (training path)");
                    assertArrayClose(to2d(array(e.get("grad_x"))), gs.getSecond(), TOL, what + " grad");
                    JsonNode sa = s.get("state_after");
                    assertVec(vec(sa.get("pos_grad")), loss.getPosGrad(), TOL, what + " pos_grad after");
                    assertVec(vec(sa.get("neg_grad")), loss.getNegGrad(), TOL, what + " neg_grad after");
                    assertVec(vec(sa.get("pos_neg")), loss.getPosNeg(), TOL, what + " pos_neg after");
                }
            }
        }
    }

    @Test
    void balancedClassesEqualFocalLoss() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 40, 5).subi(0.5).muli(8);
        INDArray y = to2d(randomOneHot(2, 5, 20, 11));
        INDArray mask = maskColumn(randomMask(12, 2, 20));
        EqualizedFocalLoss efl = new EqualizedFocalLoss(5);
        // non-trivial accumulated gradients, but pos_neg = 1 for every class
        efl.setState(new double[]{1, 2, 3, 4, 5}, new double[]{0.5, 1, 2, 3, 4}, new double[]{1, 1, 1, 1, 1});
        SigmoidFocalLoss fl = new SigmoidFocalLoss();
        assertClose(fl.computeScore(y, x, new ActivationIdentity(), mask, false),
                efl.computeScore(y, x, new ActivationIdentity(), mask, false), 1e-12, "score");
        assertArrayClose(fl.computeGradient(y, x, new ActivationIdentity(), mask),
                efl.computeGradient(y, x, new ActivationIdentity(), mask), 1e-12, "gradient");
    }

    @Test
    void frozenStateIsNotUpdatedAndUnfrozenIs() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 20, 3);
        INDArray y = to2d(randomOneHot(2, 3, 10, 1));
        EqualizedFocalLoss efl = new EqualizedFocalLoss(3);
        efl.setStateFrozen(true);
        efl.computeGradient(y, x, new ActivationIdentity(), null);
        assertArrayEquals(new double[3], efl.getPosGrad());
        efl.setStateFrozen(false);
        efl.computeGradient(y, x, new ActivationIdentity(), null);
        assertTrue(efl.getNegGrad()[0] > 0, "negative gradient statistics accumulate");
    }

    @Test
    void gradientCheckWithFrozenNonTrivialState() {
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 6).subi(0.5).muli(4);
        INDArray y = randomOneHot(2, 4, 6, 3);
        for (INDArray mask : new INDArray[]{randomMask(5, 2, 6), randomMask(6, 2, 4, 6)}) {
            EqualizedFocalLoss efl = new EqualizedFocalLoss(4);
            efl.setState(new double[]{0.2, 0, 1, 3}, new double[]{2, 1, 1, 1}, new double[]{0.1, 0, 1, 0.7});
            efl.setStateFrozen(true);
            assertTrue(gradientCheck(efl, in, y, mask, 4), "mask rank " + mask.rank());
        }
    }

    private static EqualizedFocalLoss lossOf(ComputationGraphConfiguration conf) {
        return (EqualizedFocalLoss) ((RnnLossLayer) ((LayerVertex) conf.getVertices().get("out")).getLayerConf().getLayer()).getLossFn();
    }

    @Test
    void statePersistsThroughGraphJsonAndModelSerializer(@TempDir Path tmp) throws Exception {
        ComputationGraph g = graph(new EqualizedFocalLoss(4), 3, 4, false, new Sgd(0.1));
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 3, 8);
        INDArray y = randomOneHot(2, 4, 8, 9);
        INDArray m = randomMask(10, 2, 8);
        org.nd4j.linalg.dataset.MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[]{in}, new INDArray[]{y}, null, new INDArray[]{m});
        for (int i = 0; i < 3; i++) {
            g.fit(mds);
        }
        EqualizedFocalLoss trained = lossOf(g.getConfiguration());
        assertTrue(trained.getNegGrad()[0] > 0, "fit() updated the state");
        double[] posNeg = trained.getPosNeg();
        // evaluation (score) does not touch it
        g.score(mds);
        g.output(in);
        assertArrayEquals(posNeg, lossOf(g.getConfiguration()).getPosNeg());

        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(trained, lossOf(back), "graph JSON round trip keeps the EFL state");

        File f = tmp.resolve("efl.zip").toFile();
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        EqualizedFocalLoss r = lossOf(restored.getConfiguration());
        assertEquals(trained, r, "ModelSerializer keeps the EFL state");
        assertArrayEquals(trained.getPosGrad(), r.getPosGrad());
        // training resumes from the restored statistics identically
        g.fit(mds);
        restored.fit(mds);
        assertArrayEquals(lossOf(g.getConfiguration()).getPosNeg(), r.getPosNeg(), "EFL state one step after the reload");
    }

    @Test
    void rejectsBadHyperParametersAndMismatchedClasses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EqualizedFocalLoss(0.25, -2, 8, 3));
        assertTrue(e.getMessage().contains("gammaB") && e.getMessage().contains("-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizedFocalLoss(-0.1, 2, 8, 3));
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains("-0.1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizedFocalLoss(0.25, 2, -8, 3));
        assertTrue(e.getMessage().contains("scaleFactor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizedFocalLoss(5).computeScore(
                Nd4j.zeros(4, 3), Nd4j.zeros(4, 3), new ActivationIdentity(), null, false));
        assertTrue(e.getMessage().contains("numClasses = 5") && e.getMessage().contains("3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EqualizedFocalLoss(3).setState(new double[2], new double[3], new double[3]));
        assertTrue(e.getMessage().contains("posGrad"), e.getMessage());
    }

    @Test
    void noArgConstructorSizesStateFromFirstLabels() {
        EqualizedFocalLoss efl = new EqualizedFocalLoss();
        efl.computeScore(Nd4j.zeros(4, 7), Nd4j.zeros(4, 7), new ActivationIdentity(), null, false);
        assertEquals(7, efl.getNumClasses());
        assertArrayEquals(new double[]{1, 1, 1, 1, 1, 1, 1}, efl.getPosNeg());
    }

    @Test
    void finiteForExtremeLogits() {
        INDArray x = Nd4j.linspace(-100, 100, 201, DataType.DOUBLE).reshape(201, 1).repeat(1, 3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 201, 3);
        y.getColumn(1).assign(1.0);
        EqualizedFocalLoss efl = new EqualizedFocalLoss(3);
        efl.setState(new double[]{0, 1, 1}, new double[]{1, 1, 1}, new double[]{0, 0.5, 1});
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double s = efl.computeScore(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), null, false);
            INDArray g = efl.computeGradient(y.castTo(dt), x.castTo(dt), new ActivationIdentity(), null).castTo(DataType.DOUBLE);
            assertTrue(Double.isFinite(s));
            assertTrue(Double.isFinite(g.sumNumber().doubleValue()) && Double.isFinite(g.amaxNumber().doubleValue()), dt.toString());
        }
    }
}
