package io.github.retina4j.losses;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.List;

import static io.github.retina4j.losses.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * How DL4J 1.0.0-M2.1's {@code RnnLossLayer} calls a loss in one training step, the reason the losses keep no
 * score/gradient cache (see {@link AbstractDenseLoss}): {@code computeGradient} first, then {@code computeScore}, each
 * with its own fresh copy of the labels and of the pre-output. A cache keyed on the arrays would never hit. If a DL4J
 * release changes this, this test fails and the question is worth asking again.
 */
@DoublePrecision
class DenseLossCallPatternTest {

    /** Records every call, then delegates to the focal loss. */
    static final class Recording extends SigmoidFocalLoss {
        final transient List<Object[]> calls = new ArrayList<>();

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask, boolean average) {
            calls.add(new Object[]{"score", labels, preOutput, preOutput.dup().ravel().toDoubleVector()});
            return super.computeScore(labels, preOutput, fn, mask, average);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
            calls.add(new Object[]{"gradient", labels, preOutput, preOutput.dup().ravel().toDoubleVector()});
            return super.computeGradient(labels, preOutput, fn, mask);
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation fn,
                                                              INDArray mask, boolean average) {
            calls.add(new Object[]{"both", labels, preOutput, preOutput.dup().ravel().toDoubleVector()});
            return super.computeGradientAndScore(labels, preOutput, fn, mask, average);
        }
    }

    @Test
    void rnnLossLayerAsksForGradientThenScoreWithFreshCopies() {
        Recording loss = new Recording();
        ComputationGraph g = graph(loss, 3, 4, false, new NoOp());
        // the graph holds a copy of the configuration's loss: record through the layer's own instance
        Recording used = (Recording) ((org.deeplearning4j.nn.conf.layers.RnnLossLayer) g.getLayer("out").conf().getLayer())
                .getLossFn();
        g.setInputs(Nd4j.rand(DataType.DOUBLE, 2, 3, 5));
        g.setLabels(randomOneHot(2, 4, 5, 1));
        g.computeGradientAndScore();
        assertEquals(2, used.calls.size(), "calls per training step");
        Object[] grad = used.calls.get(0);
        Object[] score = used.calls.get(1);
        assertEquals("gradient", grad[0]);
        assertEquals("score", score[0]);
        assertNotSame(grad[1], score[1], "labels: a fresh [N·A, C] copy per call");
        assertNotSame(grad[2], score[2], "pre-output: a fresh [N·A, C] copy per call");
        assertArrayEquals((double[]) grad[3], (double[]) score[3], "the same values");
    }
}
