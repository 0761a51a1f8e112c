package io.github.retina4j.train;

import io.github.retina4j.models.optimize.MomentumSgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

class GlobalGradientNormClippingTest {

    private static ComputationGraph withGradient() {
        ComputationGraph g = ToyProblem.graph(new MomentumSgd(1.0, 0.0), 7);
        MultiDataSet batch = new ToyProblem.ShufflingIterator(7).next();
        g.setInputs(batch.getFeatures());
        g.setLabels(batch.getLabels());
        g.computeGradientAndScore();
        return g;
    }

    @Test
    void finiteGradientAboveTheLimitIsScaledToTheLimit() {
        ComputationGraph g = withGradient();
        GlobalGradientNormClipping clip = new GlobalGradientNormClipping(1e-3);
        clip.onGradientCalculation(g);
        double sq = 0;
        for (INDArray v : g.gradient().gradientForVariable().values()) {
            double n = v.norm2Number().doubleValue();
            sq += n * n;
        }
        assertTrue(clip.lastNorm() > 1e-3, "toy gradient norm " + clip.lastNorm());
        // the toy graph averages over the minibatch (miniBatch true): the limit applies to gradient / N, as in PyTorch
        assertEquals(1e-3 * g.batchSize(), Math.sqrt(sq), 1e-6);
        assertEquals(0, clip.skippedSteps());
    }

    @Test
    void nonFiniteGradientIsZeroedAndCounted() {
        ComputationGraph g = withGradient();
        g.gradient().gradientForVariable().values().iterator().next().putScalar(0, Double.NaN);
        GlobalGradientNormClipping clip = new GlobalGradientNormClipping(35);
        clip.onGradientCalculation(g);
        assertFalse(Double.isFinite(clip.lastNorm()));
        assertEquals(1, clip.skippedSteps());
        for (INDArray v : g.gradient().gradientForVariable().values()) {
            assertEquals(0.0, v.norm2Number().doubleValue(), 0.0, "every gradient view is zeroed");
        }
    }
}
