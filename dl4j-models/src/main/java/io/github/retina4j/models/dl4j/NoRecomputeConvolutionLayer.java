package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * DL4J's {@link ConvolutionLayer} (same configuration, parameters, initialisation, oneDNN helper and JSON apart from
 * the class name) whose backward pass does not run the forward convolution a second time.
 *
 * <p>Why: DL4J 1.0.0-M2.1's {@code layers.convolution.ConvolutionLayer.backpropGradient} starts with
 * {@code preOutput4d(true, true, ...)}, a full forward convolution, only to feed {@code afn.backprop(z, epsilon)}; its
 * cached pre-output is used only under {@code CacheMode} with an open FF_CACHE workspace, which ComputationGraph
 * training does not configure. For identity activation the backward needs no z at all; for ReLU, relu'(z) is read
 * from the layer's own output (output &gt; 0 ⇔ z &gt; 0). Measured: the recomputation takes 9–10 % of a ResNet-50
 * RetinaNet training step. Only these two activations are accepted.
 *
 * <p>NCHW or NHWC: float32 NHWC with explicit padding ({@code Truncate}) runs libnd4j's NHWC convolution ops directly
 * in both directions (DESIGN §10.15); other NHWC layers run DL4J's own path, which permutes to NCHW around the op.
 */
public class NoRecomputeConvolutionLayer extends ConvolutionLayer {
    static {
        OneDnnSupport.enable();
    }

    /**
     * Whether the backward pass computes the error of the layer's input. False where nothing below the layer trains
     * (the first block after frozen ResNet stages), as torch computes no gradient for an input that does not require
     * one; the layer then returns no error (null), which DL4J's graph accepts for an input it does not backpropagate
     * through (DESIGN §10.16). Absent from older JSON: true.
     */
    private boolean inputError = true;

    /** For JSON deserialisation only. */
    public NoRecomputeConvolutionLayer() {
    }

    private NoRecomputeConvolutionLayer(ConvolutionLayer.Builder builder) {
        super(builder);
        if (!(getActivationFn() instanceof ActivationIdentity) && !(getActivationFn() instanceof ActivationReLU)) {
            throw new IllegalArgumentException("NoRecomputeConvolutionLayer supports identity or ReLU activation, got "
                    + getActivationFn());
        }
    }

    /**
     * The layer DL4J's {@code builder.build()} would give, as this class. The builder is validated by DL4J's own
     * {@code build()} first.
     */
    public static NoRecomputeConvolutionLayer of(ConvolutionLayer.Builder builder) {
        builder.build();
        return new NoRecomputeConvolutionLayer(builder);
    }

    public boolean isInputError() {
        return inputError;
    }

    /** This layer without the input's error in its backward pass (see {@link #isInputError}). */
    public NoRecomputeConvolutionLayer withoutInputError() {
        NoRecomputeConvolutionLayer c = clone();
        c.inputError = false;
        return c;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        NoRecomputeConvolutionLayerImpl layer = new NoRecomputeConvolutionLayerImpl(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        ParamInitializer init = initializer();
        Map<String, INDArray> params = init.init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public NoRecomputeConvolutionLayer clone() {
        return (NoRecomputeConvolutionLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoRecomputeConvolutionLayer c && super.equals(o) && c.inputError == inputError;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(inputError);
    }
}
