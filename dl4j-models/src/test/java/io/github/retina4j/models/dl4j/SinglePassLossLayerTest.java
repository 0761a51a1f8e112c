package io.github.retina4j.models.dl4j;

import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SinglePassLossLayer} is DL4J's {@code RnnLossLayer} that calls its loss once per training step
 * (DESIGN §10.13): same gradients (bit for bit), same score, same JSON apart from the class name; any score asked for
 * other arrays is computed afresh.
 */
@DoublePrecision
class SinglePassLossLayerTest {

    private static final int C_IN = 3;
    private static final int C = 4;

    /** Records which entry points a layer calls, then delegates to the focal loss. */
    static final class Recording extends SigmoidFocalLoss {
        final transient List<String> calls = new ArrayList<>();
        /** Each call's pre-output array (identity only: its memory is DL4J's workspace) and a copy of its values. */
        final transient List<INDArray> preOutputs = new ArrayList<>();
        final transient List<double[]> values = new ArrayList<>();

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask, boolean average) {
            calls.add("score");
            preOutputs.add(preOutput);
            values.add(preOutput.dup().ravel().toDoubleVector());
            return super.computeScore(labels, preOutput, fn, mask, average);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
            calls.add("gradient");
            preOutputs.add(preOutput);
            values.add(preOutput.dup().ravel().toDoubleVector());
            return super.computeGradient(labels, preOutput, fn, mask);
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation fn,
                                                              INDArray mask, boolean average) {
            calls.add("both");
            return super.computeGradientAndScore(labels, preOutput, fn, mask, average);
        }
    }

    private static ComputationGraph graph(RnnLossLayer out) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(12345).updater(new NoOp()).miniBatch(false)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(C_IN))
                .addLayer("head", new Convolution1DLayer.Builder().kernelSize(1).stride(1).nIn(C_IN).nOut(C)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", out, "head")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static RnnLossLayer dl4j(ILossFunction loss) {
        return new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build();
    }

    private static INDArray oneHot(long n, long a, long seed) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, C, a);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < a; k++) {
                if (r.nextInt(3) == 0) {
                    y.putScalar(new long[]{i, r.nextInt(C), k}, 1.0);
                }
            }
        }
        return y;
    }

    private static ILossFunction lossOf(ComputationGraph g) {
        return ((RnnLossLayer) g.getLayer("out").conf().getLayer()).getLossFn();
    }

    /**
     * Guard: DL4J's own layer asks for the gradient, then the score, each on a fresh copy of the same values (so the
     * loss itself cannot tell the second call repeats the first). When this fails, this layer may have no reason to
     * exist.
     */
    @Test
    void dl4jRnnLossLayerCallsTheLossTwicePerTrainingStepWithFreshCopies() {
        ComputationGraph g = graph(dl4j(new Recording()));
        g.setInputs(Nd4j.rand(DataType.DOUBLE, 2, C_IN, 5));
        g.setLabels(oneHot(2, 5, 1));
        g.computeGradientAndScore();
        Recording used = (Recording) lossOf(g);
        assertEquals(List.of("gradient", "score"), used.calls);
        org.junit.jupiter.api.Assertions.assertNotSame(used.preOutputs.get(0), used.preOutputs.get(1));
        org.junit.jupiter.api.Assertions.assertArrayEquals(used.values.get(0), used.values.get(1), "the same values");
    }

    /** A loss that overwrites its pre-output argument after using it, as a loss applying its activation in place would. */
    private static final class Overwriting extends LossMSE {
        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation fn,
                                                              INDArray mask, boolean average) {
            Pair<Double, INDArray> r = super.computeGradientAndScore(labels, preOutput, fn, mask, average);
            preOutput.assign(Double.NaN);
            return r;
        }
    }

    /** The loss gets a copy: one image (whose 2-d form is a view of the input), several, and one anchor. */
    @Test
    void theLossCannotChangeTheLayersInput() {
        for (long[] shape : new long[][]{{1, C, 5}, {2, C, 5}, {2, C, 1}}) {
            ComputationGraph g = graph(SinglePassLossLayer.of(new Overwriting()));
            org.deeplearning4j.nn.api.Layer layer = g.getLayer("out");
            INDArray in = Nd4j.rand(DataType.DOUBLE, shape);
            INDArray before = in.dup();
            layer.setInput(in, LayerWorkspaceMgr.noWorkspaces());
            ((org.deeplearning4j.nn.api.layers.IOutputLayer) layer).setLabels(oneHot(shape[0], shape[2], 3));
            layer.backpropGradient(null, LayerWorkspaceMgr.noWorkspaces());
            assertIdentical("input " + java.util.Arrays.toString(shape), before, in);
        }
    }

    @Test
    void callsTheLossOncePerTrainingStep() {
        ComputationGraph g = graph(SinglePassLossLayer.of(new Recording()));
        g.setInputs(Nd4j.rand(DataType.DOUBLE, 2, C_IN, 5));
        g.setLabels(oneHot(2, 5, 1));
        g.computeGradientAndScore();
        assertEquals(List.of("both"), ((Recording) lossOf(g)).calls);
    }

    @Test
    void sameGradientsAndScoreAsDl4jsLayerWithAndWithoutMask() {
        for (boolean masked : new boolean[]{false, true}) {
            ComputationGraph ours = graph(SinglePassLossLayer.of(new SigmoidFocalLoss()));
            ComputationGraph theirs = graph(dl4j(new SigmoidFocalLoss()));
            theirs.setParams(ours.params().dup());
            INDArray x = Nd4j.rand(DataType.DOUBLE, 3, C_IN, 7).subi(0.5).muli(4);
            INDArray y = oneHot(3, 7, 2);
            INDArray mask = masked ? Nd4j.rand(DataType.DOUBLE, 3, 7).gt(0.3).castTo(DataType.DOUBLE) : null;
            for (ComputationGraph g : new ComputationGraph[]{ours, theirs}) {
                g.setInputs(x);
                g.setLabels(y);
                g.setLayerMaskArrays(null, mask == null ? null : new INDArray[]{mask});
                g.computeGradientAndScore();
            }
            assertEquals(theirs.score(), ours.score(), 1e-12 * Math.abs(theirs.score()), "score, masked " + masked);
            assertNotEquals(0.0, ours.score());
            // the errors are identical (below); the layer under them may sum them in another order, as ours arrive
            // as a view with other strides
            for (String p : theirs.paramTable().keySet()) {
                INDArray expected = theirs.gradient().getGradientFor(p);
                INDArray actual = ours.gradient().getGradientFor(p);
                assertTrue(expected.equalsWithEps(actual, 1e-14 * expected.amaxNumber().doubleValue()),
                        "gradient of " + p + ", masked " + masked + ": " + expected + " vs " + actual);
            }
            INDArray[] errors = new INDArray[2];
            ComputationGraph[] graphs = {ours, theirs};
            for (int i = 0; i < 2; i++) {
                org.deeplearning4j.nn.api.Layer out = graphs[i].getLayer("out");
                out.setInput(graphs[i].feedForward(x, true).get("head"), LayerWorkspaceMgr.noWorkspaces());
                ((org.deeplearning4j.nn.api.layers.IOutputLayer) out).setLabels(y);
                out.setMaskArray(mask);
                errors[i] = out.backpropGradient(null, LayerWorkspaceMgr.noWorkspaces()).getSecond();
            }
            assertIdentical("error of the head's output, masked " + masked, errors[1], errors[0]);
        }
    }

    /** Inference output: with the identity activation it is the input, identical to DL4J's copied one. */
    @Test
    void identityOutputIsDl4jsWithoutTheCopies() {
        ComputationGraph ours = graph(SinglePassLossLayer.of(new SigmoidFocalLoss()));
        ComputationGraph theirs = graph(dl4j(new SigmoidFocalLoss()));
        theirs.setParams(ours.params().dup());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, C_IN, 7).subi(0.5).muli(4);
        INDArray expected = theirs.outputSingle(x);
        assertIdentical("output", expected, ours.outputSingle(x));
        SinglePassLossLayer withSigmoid = SinglePassLossLayer.of(new org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT());
        withSigmoid.setActivationFn(Activation.SIGMOID.getActivationFunction());
        ComputationGraph sigmoid = graph(withSigmoid);
        sigmoid.setParams(ours.params().dup());
        assertIdentical("a sigmoid output layer activates", org.nd4j.linalg.ops.transforms.Transforms.sigmoid(expected, true),
                sigmoid.outputSingle(x));
    }

    /**
     * A score for other arrays (here: evaluation of another batch after a training step) is computed from those arrays,
     * never taken from the step. EFL: its statistics move in the step, so a stale score would also be a wrong one.
     */
    @Test
    void scoreOfOtherArraysIsComputedAfresh() {
        ComputationGraph ours = graph(SinglePassLossLayer.of(new EqualizedFocalLoss(C)));
        ComputationGraph theirs = graph(dl4j(new EqualizedFocalLoss(C)));
        theirs.setParams(ours.params().dup());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, C_IN, 6);
        INDArray y = oneHot(2, 6, 3);
        INDArray x2 = Nd4j.rand(DataType.DOUBLE, 2, C_IN, 6).muli(3);
        INDArray y2 = oneHot(2, 6, 4);
        double[] scores = new double[2];
        int i = 0;
        for (ComputationGraph g : new ComputationGraph[]{ours, theirs}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
            scores[i++] = g.score(new org.nd4j.linalg.dataset.MultiDataSet(x2, y2), false);
        }
        assertEquals(scores[1], scores[0], 1e-12 * Math.abs(scores[1]));
        ours.setInputs(x);
        ours.setLabels(y);
        ours.computeGradientAndScore();
        assertNotEquals(ours.score(), scores[0], "the batch's own score, not the other batch's");
    }

    @Test
    void jsonKeepsTheClassAndTheLoss() {
        ComputationGraph g = graph(SinglePassLossLayer.of(new SigmoidFocalLoss(0.3, 1.5)));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        org.deeplearning4j.nn.conf.layers.Layer layer =
                ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("out")).getLayerConf().getLayer();
        SinglePassLossLayer out = assertInstanceOf(SinglePassLossLayer.class, layer);
        assertEquals(new SigmoidFocalLoss(0.3, 1.5).toString(), out.getLossFn().toString());
        assertEquals(g.getConfiguration().toJson(), back.toJson());
    }
}
