package io.github.retina4j.models.dl4j;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Measures DL4J 1.0.0-M2.1's SameDiffVertex gradient against central finite differences: the raw vertex must
 * still be off by exactly 2 (if this fails, DL4J fixed the bug: set
 * {@link GradientCorrectedSameDiffVertex#GRADIENT_CORRECTION} to 1), our corrected vertex by 1.
 */
@DoublePrecision
class SameDiffGradientBugTest {
    /** y = tanh(x ⊙ w) + x: a parameter gradient and an input path. */
    static void define(SDVertexParams p) {
        p.defineInputs("x");
        p.addWeightParam("w", 1, 3);
    }

    static SDVariable body(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p) {
        SDVariable x = in.get("x");
        return sd.math().tanh(x.mul(p.get("w"))).add(x);
    }

    public static class RawVertex extends SameDiffVertex {
        @Override public void defineParametersAndInputs(SDVertexParams p) { define(p); }
        @Override public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p, Map<String, SDVariable> m) { return body(sd, in, p); }
        @Override public void initializeParameters(Map<String, INDArray> p) { p.get("w").assign(Nd4j.createFromArray(0.3, -0.7, 1.1).reshape(1, 3)); }
        @Override public InputType getOutputType(int i, InputType... t) { return t[0]; }
        @Override public SameDiffVertex clone() { return new RawVertex(); }
    }

    public static class CorrectedVertex extends GradientCorrectedSameDiffVertex {
        @Override public void defineParametersAndInputs(SDVertexParams p) { define(p); }
        @Override public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p, Map<String, SDVariable> m) { return body(sd, in, p); }
        @Override public void initializeParameters(Map<String, INDArray> p) { p.get("w").assign(Nd4j.createFromArray(0.3, -0.7, 1.1).reshape(1, 3)); }
        @Override public InputType getOutputType(int i, InputType... t) { return t[0]; }
        @Override public SameDiffVertex clone() { return new CorrectedVertex(); }
    }

    /** [analytic/numeric ratio for parameter w[0], ratio for the error sent to the input]. */
    private static double[] ratios(GraphVertex vertex) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in")
                .addLayer("dense", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(3)
                        .activation(Activation.IDENTITY).build(), "in")
                .addVertex("v", vertex, "dense")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "v")
                .setOutputs("out").setInputTypes(InputType.feedForward(3)).build());
        g.init();
        INDArray x = Nd4j.createFromArray(new double[][]{{0.5, -1.0, 0.25}, {1.5, 0.2, -0.3}});
        INDArray y = Nd4j.createFromArray(new double[][]{{0.1, 0.2, 0.3}, {-0.4, 0.5, 0.0}});
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        double analyticW = g.gradient().getGradientFor("v_w").getDouble(0);
        double analyticDense = g.gradient().getGradientFor("dense_W").getDouble(0);
        INDArray params = g.params();
        long wIndex = params.length() - 3;          // vertex params are the last ones (topological order)
        double numericW = finiteDifference(g, x, y, wIndex);
        double numericDense = finiteDifference(g, x, y, 0);
        // DL4J's score is the minibatch mean but computeGradientAndScore returns the minibatch SUM of gradients
        // (the updater divides by N later), so the true ratio is analytic / (N · numeric).
        long n = x.size(0);
        return new double[]{analyticW / (n * numericW), analyticDense / (n * numericDense)};
    }

    private static double finiteDifference(ComputationGraph g, INDArray x, INDArray y, long index) {
        double eps = 1e-6;
        INDArray params = g.params();
        double orig = params.getDouble(index);
        params.putScalar(index, orig + eps);
        double plus = g.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        params.putScalar(index, orig - eps);
        double minus = g.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        params.putScalar(index, orig);
        return (plus - minus) / (2 * eps);
    }

    @Test
    void rawDl4jSameDiffVertexGradientIsStillTwiceTheTruth() {
        double[] r = ratios(new RawVertex());
        assertEquals(2.0, r[0], 1e-4, "vertex parameter gradient ratio");
        assertEquals(2.0, r[1], 1e-4, "upstream (input error) gradient ratio");
    }

    @Test
    void correctedVertexGradientMatchesFiniteDifferences() {
        double[] r = ratios(new CorrectedVertex());
        assertEquals(1.0, r[0], 1e-4, "vertex parameter gradient ratio");
        assertEquals(1.0, r[1], 1e-4, "upstream (input error) gradient ratio");
    }
}
