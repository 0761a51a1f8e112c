package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.ChannelOrderVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;

import io.github.retina4j.testsupport.DoublePrecision;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Set;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

@DoublePrecision
class FrozenBatchNormLayerTest {
    private static final int C = 3;
    private static final String BN = "bn";
    /** input → trainable 3×3 conv → frozen BN (+ activation) → global average → MSE, in double precision. */
    private static ComputationGraph graph(Activation activation, WorkspaceMode ws) {
        return graph(activation, ws, new Sgd(0.1));
    }

    private static ComputationGraph graph(Activation activation, WorkspaceMode ws, org.nd4j.linalg.learning.config.IUpdater updater) {
        return graph(activation, ws, updater, CNN2DFormat.NCHW);
    }

    /** The same graph on {@code format} activations; NHWC is copied to NCHW after the batch norm, for the pooling. */
    private static ComputationGraph graph(Activation activation, WorkspaceMode ws, org.nd4j.linalg.learning.config.IUpdater updater,
                                          CNN2DFormat format) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.DOUBLE)
                .updater(updater).trainingWorkspaceMode(ws).inferenceWorkspaceMode(ws).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nIn(2).nOut(C).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).dataFormat(format).build(), "in")
                .addLayer(BN, FrozenBatchNorm.layer(C, activation, format), "conv");
        String pooled = BN;
        if (format == CNN2DFormat.NHWC) {
            pooled = "nchw";
            b.addVertex(pooled, new ChannelOrderVertex(CNN2DFormat.NCHW), BN);
        }
        ComputationGraphConfiguration conf = b.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), pooled)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(C).nOut(1)
                        .activation(Activation.IDENTITY).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 6, 2, format)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        // torchvision-like folded statistics: scale from γ/√(σ²+ε), shift from β − μ·scale
        INDArray gamma = Nd4j.create(new double[] {0.5, 1.5, -0.8});
        INDArray var = Nd4j.create(new double[] {0.25, 2.0, 1.0});
        INDArray mean = Nd4j.create(new double[] {0.1, -0.3, 0.2});
        INDArray beta = Nd4j.create(new double[] {0.05, -0.1, 0.3});
        g.getLayer(BN).setParam(FrozenBatchNormParams.SCALE, FrozenBatchNorm.scale(gamma, var).reshape(1, C));
        g.getLayer(BN).setParam(FrozenBatchNormParams.SHIFT, FrozenBatchNorm.shift(gamma, beta, mean, var).reshape(1, C));
        return g;
    }

    @Test
    void forwardIsTorchvisionsFrozenBatchNorm() {
        ComputationGraph g = graph(Activation.RELU, WorkspaceMode.NONE);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 6).subi(0.5);
        INDArray conv = g.feedForward(x, false).get("conv");
        INDArray bn = g.feedForward(x, false).get(BN);
        INDArray scale = g.getLayer(BN).getParam(FrozenBatchNormParams.SCALE);
        INDArray shift = g.getLayer(BN).getParam(FrozenBatchNormParams.SHIFT);
        for (int c = 0; c < C; c++) {
            // (x − μ)·γ/√(σ² + ε) + β, channel by channel, then ReLU
            INDArray expect = Transforms.relu(conv.slice(c, 1).mul(scale.getDouble(0, c)).add(shift.getDouble(0, c)), true);
            assertTrue(expect.equalsWithEps(bn.slice(c, 1), 1e-12), "channel " + c);
        }
        assertEquals(1.0 / Math.sqrt(1 + FrozenBatchNorm.EPS), freshScale(), 1e-15, "fresh layer = fresh torchvision statistics");
    }

    private static double freshScale() {
        ComputationGraph fresh = new ComputationGraph(graph(Activation.IDENTITY, WorkspaceMode.NONE).getConfiguration());
        fresh.init();
        return fresh.getLayer(BN).getParam(FrozenBatchNormParams.SCALE).getDouble(0, 0);
    }

    /** The error reaching the conv below is the exact derivative of the frozen affine map (+ ReLU), with and without workspaces. */
    @Test
    void gradientCheckThroughTheFrozenLayer() {
        for (WorkspaceMode ws : new WorkspaceMode[] {WorkspaceMode.NONE, WorkspaceMode.ENABLED}) {
            for (Activation a : new Activation[] {Activation.IDENTITY, Activation.RELU}) {
                ComputationGraph g = graph(a, ws, new org.nd4j.linalg.learning.config.NoOp());
                Nd4j.getRandom().setSeed(2);
                boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 6).subi(0.5)})
                        .labels(new INDArray[] {Nd4j.rand(DataType.DOUBLE, 2, 1)})
                        .excludeParams(Set.of(BN + "_" + FrozenBatchNormParams.SCALE, BN + "_" + FrozenBatchNormParams.SHIFT))
                        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
                assertTrue(ok, "gradient check, " + a + ", workspaces " + ws);
            }
        }
    }

    /**
     * NHWC is the same layer along the last axis: the same output, gradients and input errors as NCHW (the conv below
     * learns from them), with and without workspaces, and a gradient check of its own.
     */
    @Test
    void channelsLastIsTheSameAffineMapAlongTheLastAxis() {
        for (WorkspaceMode ws : new WorkspaceMode[] {WorkspaceMode.NONE, WorkspaceMode.ENABLED}) {
            for (Activation a : new Activation[] {Activation.IDENTITY, Activation.RELU}) {
                ComputationGraph nchw = graph(a, ws, new org.nd4j.linalg.learning.config.NoOp(), CNN2DFormat.NCHW);
                ComputationGraph nhwc = graph(a, ws, new org.nd4j.linalg.learning.config.NoOp(), CNN2DFormat.NHWC);
                nhwc.setParams(nchw.params());
                Nd4j.getRandom().setSeed(4);
                INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 6).subi(0.5);
                INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 1);
                INDArray xLast = x.permute(0, 2, 3, 1).dup('c');
                nchw.setInputs(x);
                nhwc.setInputs(xLast);
                for (ComputationGraph g : new ComputationGraph[] {nchw, nhwc}) {
                    g.setLabels(y);
                    g.computeGradientAndScore();
                }
                String what = a + ", workspaces " + ws;
                assertEquals(nchw.score(), nhwc.score(), 1e-12, what);
                for (String key : nchw.gradient().gradientForVariable().keySet()) {
                    assertTrue(nchw.gradient().getGradientFor(key).equalsWithEps(nhwc.gradient().getGradientFor(key), 1e-12),
                            what + ": gradient " + key);
                }
                boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(nhwc)
                        .inputs(new INDArray[] {xLast}).labels(new INDArray[] {y})
                        .excludeParams(Set.of(BN + "_" + FrozenBatchNormParams.SCALE, BN + "_" + FrozenBatchNormParams.SHIFT))
                        .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
                assertTrue(ok, "gradient check, NHWC, " + what);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new FrozenBatchNormLayer(C, Activation.RELU.getActivationFunction(),
                CNN2DFormat.NHWC).getOutputType(0, InputType.convolutional(5, 6, C, CNN2DFormat.NCHW)));
    }

    /** The backward pass of a ReLU batch norm masks with its forward output instead of recomputing the forward pass. */
    @Test
    void backwardUsesTheForwardOutputInsideDl4jsFrozenWrapper() {
        for (WorkspaceMode ws : new WorkspaceMode[] {WorkspaceMode.NONE, WorkspaceMode.ENABLED}) {
            ComputationGraph g = graph(Activation.RELU, ws);
            org.nd4j.linalg.dataset.MultiDataSet data = new org.nd4j.linalg.dataset.MultiDataSet(
                    Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 6), Nd4j.ones(DataType.DOUBLE, 2, 1));
            for (int i = 0; i < 3; i++) {
                g.fit(data);
            }
            FrozenBatchNormLayerImpl bn = (FrozenBatchNormLayerImpl)
                    ((org.deeplearning4j.nn.layers.FrozenLayerWithBackprop) g.getLayer(BN)).getInsideLayer();
            assertEquals(0, bn.recomputes(), ws + ": forward passes recomputed in the backward pass");
        }
    }

    /**
     * Guard for the reason the layer keeps its output whatever the training flag says: DL4J's
     * {@code FrozenLayerWithBackprop} runs the wrapped layer's forward pass with training = false even in a training
     * forward pass (here: a wrapped dropout layer with retain probability 0.5 leaves its input untouched). When this
     * fails, the flag can tell training apart again.
     */
    @Test
    void dl4jsFrozenWrapperRunsItsLayerAsInInference() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("drop", new org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop(
                        new org.deeplearning4j.nn.conf.layers.DropoutLayer.Builder(0.5).build()), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(C).nOut(1)
                        .activation(Activation.IDENTITY).build(), "drop")
                .setOutputs("out").setInputTypes(InputType.feedForward(C)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 64, C).addi(1);
        assertIdentical("wrapped dropout output in a training forward pass", x, g.feedForward(x, true).get("drop"));
    }

    @Test
    void trainingLeavesTheLayerUnchangedAndJsonRoundTrips() {
        ComputationGraph g = graph(Activation.RELU, WorkspaceMode.NONE);
        INDArray before = g.getLayer(BN).params().dup();
        INDArray convBefore = g.getLayer("conv").params().dup();
        g.fit(new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 6), Nd4j.ones(DataType.DOUBLE, 2, 1)));
        assertIdentical("frozen parameters", before, g.getLayer(BN).params());
        assertNotEquals(convBefore, g.getLayer("conv").params(), "the conv below learns through it");
        String json = g.getConfiguration().toJson();
        assertEquals(g.getConfiguration(), ComputationGraphConfiguration.fromJson(json));
        assertThrows(IllegalArgumentException.class, () -> new FrozenBatchNormLayer(0, Activation.RELU.getActivationFunction()));
    }
}
