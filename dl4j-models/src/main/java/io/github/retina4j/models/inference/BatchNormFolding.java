package io.github.retina4j.models.inference;

import io.github.retina4j.models.backbone.FrozenBatchNormLayer;
import io.github.retina4j.models.backbone.FrozenBatchNormParams;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inference copy of a graph with every batch norm folded into the convolution before it (DESIGN §6.6): for a
 * convolution {@code z = W * x} followed by a frozen affine {@code y = act(z · scale + shift)} per output channel,
 * the copy has one convolution {@code y = act((W · scale) * x + shift)} — one pass over the activation less per
 * batch norm (53 in ResNet-50), and the activation runs in place on the convolution's output.
 *
 * <p>Folded: a {@link FrozenBatchNormLayer} (torchvision's {@code FrozenBatchNorm2d}, the detectors' layout),
 * frozen-wrapped or not, whose only
 * input is a plain NCHW or NHWC {@link ConvolutionLayer} (any subclass keeping its arithmetic, such as the models' own
 * convolutions) with the identity activation, no other consumer, and neither of them a network output. Everything
 * else is copied unchanged; the source graph is not modified (the model file stays the trainable one). The folded
 * layers lose their frozen wrappers: the copy is for {@code output}, not for {@code fit}.
 */
public final class BatchNormFolding {

    private BatchNormFolding() {
    }

    /** One convolution and the batch norm folded into it. */
    private record Fold(String conv, String norm, IActivation activation) {
    }

    /** The folded copy; the source graph is returned unchanged when there is nothing to fold. */
    public static ComputationGraph fold(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<Fold> folds = findFolds(conf);
        if (folds.isEmpty()) {
            return graph;
        }
        Map<String, Fold> byConv = new HashMap<>();
        for (Fold f : folds) {
            byConv.put(f.conv(), f);
            LayerVertex convVertex = (LayerVertex) vertices.get(f.conv());
            ConvolutionLayer conv = (ConvolutionLayer) GraphEdits.layerOf(convVertex).clone();
            conv.setHasBias(true);
            conv.setBiasInit(0.0);
            conv.setActivationFn(f.activation());
            vertices.put(f.conv(), GraphEdits.withLayer(convVertex, conv));
            vertices.remove(f.norm());
            inputs.remove(f.norm());
            for (List<String> in : inputs.values()) {
                in.replaceAll(name -> name.equals(f.norm()) ? f.conv() : name);
            }
        }
        ComputationGraph folded = GraphEdits.instantiate(conf, graph, byConv.keySet());
        for (Fold f : folds) {
            foldParams(graph, f, folded.getVertex(f.conv()).paramTable(false));
        }
        return folded;
    }

    /** The convolution → batch norm pairs that {@link #fold} folds. */
    static List<Fold> findFolds(ComputationGraphConfiguration conf) {
        Map<String, Integer> consumers = new HashMap<>();
        for (List<String> in : conf.getVertexInputs().values()) {
            for (String name : in) {
                consumers.merge(name, 1, Integer::sum);
            }
        }
        List<String> outputs = conf.getNetworkOutputs();
        List<Fold> folds = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : new LinkedHashMap<>(conf.getVertices()).entrySet()) {
            Layer norm = GraphEdits.layerOf(e.getValue());
            List<String> in = conf.getVertexInputs().get(e.getKey());
            if (norm == null || !isFoldableNorm(norm) || in == null || in.size() != 1 || outputs.contains(e.getKey())) {
                continue;
            }
            String convName = in.get(0);
            Layer conv = GraphEdits.layerOf(conf.getVertices().get(convName));
            if (conv instanceof ConvolutionLayer c && isPlainConvolution(c) && consumers.get(convName) == 1
                    && !outputs.contains(convName)) {
                folds.add(new Fold(convName, e.getKey(), activationOf(norm)));
            }
        }
        return folds;
    }

    private static boolean isFoldableNorm(Layer layer) {
        return layer instanceof FrozenBatchNormLayer;
    }

    private static IActivation activationOf(Layer norm) {
        return ((org.deeplearning4j.nn.conf.layers.BaseLayer) norm).getActivationFn();
    }

    /** A 2D convolution whose output is only {@code W * x (+ b)}: not depthwise, separable, dilated-3D or transposed. */
    private static boolean isPlainConvolution(ConvolutionLayer c) {
        Class<?> k = c.getClass();
        while (k != ConvolutionLayer.class) {
            // DL4J's subclasses (Deconvolution2D, DepthwiseConvolution2D, SeparableConvolution2D, Convolution1DLayer,
            // Convolution3D) compute something else; our own subclasses live outside DL4J's packages
            if (k.getName().startsWith("org.deeplearning4j.")) {
                return false;
            }
            k = k.getSuperclass();
        }
        // either channel order: DL4J keeps [out, in, kH, kW] weights for both
        return (c.getCnn2dDataFormat() == CNN2DFormat.NCHW || c.getCnn2dDataFormat() == CNN2DFormat.NHWC)
                && c.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationIdentity;
    }

    /** W' = W · scale[o] per output channel o, b' = b · scale + shift (b = 0 without a bias), in double then cast. */
    private static void foldParams(ComputationGraph source, Fold f, Map<String, INDArray> target) {
        INDArray[] affine = affineOf(source, f.norm());
        INDArray scale = affine[0];
        INDArray shift = affine[1];
        Map<String, INDArray> conv = source.getVertex(f.conv()).paramTable(false);
        INDArray w = conv.get(ConvolutionParamInitializer.WEIGHT_KEY).castTo(DataType.DOUBLE);   // [out, in, kH, kW]
        INDArray foldedW = w.mul(scale.reshape(scale.length(), 1, 1, 1));
        INDArray bias = conv.containsKey(ConvolutionParamInitializer.BIAS_KEY)
                ? conv.get(ConvolutionParamInitializer.BIAS_KEY).castTo(DataType.DOUBLE).reshape(scale.shape()).mul(scale).addi(shift)
                : shift;
        INDArray targetW = target.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray targetB = target.get(ConvolutionParamInitializer.BIAS_KEY);
        targetW.assign(foldedW.castTo(targetW.dataType()));
        targetB.assign(bias.reshape(targetB.shape()).castTo(targetB.dataType()));
    }

    /** {scale, shift} of a frozen batch norm, as double vectors of length C. */
    private static INDArray[] affineOf(ComputationGraph source, String norm) {
        Map<String, INDArray> p = source.getVertex(norm).paramTable(false);
        return new INDArray[] {vector(p.get(FrozenBatchNormParams.SCALE)), vector(p.get(FrozenBatchNormParams.SHIFT))};
    }

    private static INDArray vector(INDArray p) {
        return p.castTo(DataType.DOUBLE).reshape(p.length());
    }

    /** Number of batch norms {@link #fold} would fold in this configuration. */
    public static int foldable(ComputationGraphConfiguration conf) {
        return findFolds(conf).size();
    }

}
