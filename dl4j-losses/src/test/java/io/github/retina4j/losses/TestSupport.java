package io.github.retina4j.losses;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test helpers of the loss tests: layout conversion as DL4J's RnnLossLayer does it, random labels, small graphs. */
final class TestSupport {

    private TestSupport() {
    }

    /** [N, C, A] → [N·A, C] (row = n·A + a), as RnnLossLayer reshapes. */
    static INDArray to2d(INDArray nca) {
        long n = nca.size(0);
        long c = nca.size(1);
        long a = nca.size(2);
        return nca.permute(0, 2, 1).dup('c').reshape('c', n * a, c);
    }

    /** [N, A] mask → [N·A, 1]. */
    static INDArray maskColumn(INDArray na) {
        return na.dup('c').reshape('c', na.length(), 1);
    }

    /** [N, A] mask → per-element [N·A, C]. */
    static INDArray maskElements(INDArray na, long c) {
        return maskColumn(na).repeat(1, c);
    }

    /**
     * input [N, cIn, A] → 1×1 Convolution1D (identity activation) → RnnLossLayer(loss), double precision.
     */
    static ComputationGraph graph(ILossFunction loss, int cIn, int c, boolean miniBatch,
                                  org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(12345).updater(updater).miniBatch(miniBatch)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(cIn))
                .addLayer("head", new Convolution1DLayer.Builder().kernelSize(1).stride(1).nIn(cIn).nOut(c)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build(), "head")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** GradientCheckUtil in double precision on {@link #graph} with the given 3D labels and label mask. */
    static boolean gradientCheck(ILossFunction loss, INDArray input, INDArray labels, INDArray labelMask, int c) {
        ComputationGraph g = graph(loss, (int) input.size(1), c, true, new NoOp());
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{input}).labels(new INDArray[]{labels})
                .labelMask(labelMask == null ? null : new INDArray[]{labelMask})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8));
    }

    /** Random one-hot detection labels [N, C, A]: about a third of anchors positive. */
    static INDArray randomOneHot(long n, long c, long a, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, c, a);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < a; k++) {
                if (r.nextInt(3) == 0) {
                    y.putScalar(new long[]{i, r.nextInt((int) c), k}, 1.0);
                }
            }
        }
        return y;
    }

    /** Random 0/1 mask with ≈ 80% ones, shape given. */
    static INDArray randomMask(long seed, long... shape) {
        java.util.Random r = new java.util.Random(seed);
        INDArray m = Nd4j.zeros(DataType.DOUBLE, shape);
        for (long i = 0; i < m.length(); i++) {
            m.putScalar(i, r.nextInt(5) == 0 ? 0.0 : 1.0);
        }
        return m;
    }

    /** Graph configuration JSON round trip with this loss in the RnnLossLayer; returns the restored loss. */
    static ILossFunction jsonRoundTrip(ILossFunction loss, int c) {
        ComputationGraphConfiguration conf = graph(loss, 3, c, false, new NoOp()).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        ILossFunction restored = ((RnnLossLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                back.getVertices().get("out")).getLayerConf().getLayer()).getLossFn();
        assertEquals(loss, restored, "JSON round trip of " + loss.name());
        assertEquals(loss.getClass(), restored.getClass());
        return restored;
    }
}
