package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.PostProcessConfig;

import io.github.retina4j.models.io.PreprocessConfig;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorConvention;
import io.github.retina4j.data.anchors.CellAnchorOrder;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.io.ModelMetadata;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A tiny stand-in detector for inference tests (the real RetinaNet builders are tested by the models
 * package): one pyramid level of stride {@value #STRIDE} with one anchor per location; class logits and
 * box deltas are 1×1 convolutions of the 32×32-average-pooled image, flattened to {@code [N, K, h·w]} in
 * (y, x) order like the real heads.
 */
public final class TinyDetectionModel {

    public static final int STRIDE = 32;
    public static final CategoryMapping CATEGORIES =
            new CategoryMapping(new int[] {1, 5, 9}, new String[] {"circle", "square", "triangle"});

    private TinyDetectionModel() {
    }

    /** [N, K, h, w] → [N, K, h·w] (row-major over h, w: the (y, x) anchor order). */
    public static final class FlattenSpatial extends SameDiffLambdaVertex {
        @Override
        public SDVariable defineVertex(SameDiff sd, VertexInputs inputs) {
            SDVariable x = inputs.getInput(0);
            SDVariable shape = sd.concat(0, sd.sizeAt(x, 0).reshape(1), sd.sizeAt(x, 1).reshape(1),
                    sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L)));
            return x.reshape(shape);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) vertexInputs[0];
            return InputType.recurrent(c.getChannels(), c.getHeight() * c.getWidth());
        }
    }

    /** A randomly initialised graph with outputs "cls" [N, 3, A] and "box" [N, 4, A]. */
    public static ComputationGraph graph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Sgd(0.01)).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutional(64, 64, 3))
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                        .kernelSize(STRIDE, STRIDE).stride(STRIDE, STRIDE).build(), "image")
                .addLayer("cls_conv", new ConvolutionLayer.Builder(1, 1).nOut(CATEGORIES.size())
                        .activation(Activation.IDENTITY).biasInit(-1.0).build(), "pool")
                .addLayer("box_conv", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "pool")
                .addVertex("cls_flat", new FlattenSpatial(), "cls_conv")
                .addVertex("box_flat", new FlattenSpatial(), "box_conv")
                .addLayer("cls", new RnnLossLayer.Builder(LossFunctions.LossFunction.XENT)
                        .activation(Activation.IDENTITY).build(), "cls_flat")
                .addLayer("box", new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "box_flat")
                .setOutputs("cls", "box")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** One level, stride 32, one square anchor of size 64 per location. */
    public static AnchorConfig anchors() {
        return new AnchorConfig(new int[] {STRIDE}, 2.0, 1, new double[] {1.0}, AnchorConvention.UNROUNDED,
                CellAnchorOrder.RATIO_MAJOR);
    }

    /** Metadata matching {@link #graph(long)}: short side 64, divisor 32, low threshold so that there are detections. */
    public static ModelMetadata metadata() {
        return new ModelMetadata(CATEGORIES, PreprocessConfig.of(64, 128, STRIDE), anchors(),
                BoxCoder.mmdetectionDefault(), PostProcessConfig.coco().withScoreThreshold(0.01), "cls", "box", null);
    }
}
