package io.github.retina4j.models.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Configuration of torchvision's {@code FrozenBatchNorm2d} as a DL4J layer: y = act(x · scale[c] + shift[c]) on
 * {@code [N, C, H, W]} (or {@code [N, H, W, C]}); see {@link FrozenBatchNorm}. Hand-written because DL4J has no per-channel affine layer: its
 * {@code BatchNormalization} backward assumes batch statistics, and the former stand-in, a 1×1 depthwise convolution,
 * took a quarter of a ResNet-50 RetinaNet training step on CPU (libnd4j's depthwise kernels are generic im2col code).
 */
public class FrozenBatchNormLayer extends BaseLayer {
    private long channels;
    /** Where the channels are: NCHW, or NHWC in a channels-last backbone (DESIGN §10.15). */
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    /** For JSON deserialisation. */
    public FrozenBatchNormLayer() {
    }

    public FrozenBatchNormLayer(long channels, IActivation activation) {
        if (channels <= 0) {
            throw new IllegalArgumentException("FrozenBatchNormLayer: channels must be positive, got " + channels);
        }
        this.channels = channels;
        this.activationFn = activation;
    }

    public FrozenBatchNormLayer(long channels, IActivation activation, CNN2DFormat dataFormat) {
        this(channels, activation);
        this.dataFormat = java.util.Objects.requireNonNull(dataFormat, "dataFormat");
    }

    public CNN2DFormat getDataFormat() {
        return dataFormat;
    }

    public void setDataFormat(CNN2DFormat dataFormat) {
        this.dataFormat = dataFormat;
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        FrozenBatchNormLayerImpl layer = new FrozenBatchNormLayerImpl(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return FrozenBatchNormParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("FrozenBatchNormLayer " + getLayerName() + " needs a convolutional input, got "
                    + inputType);
        }
        if (c.getFormat() != dataFormat) {
            throw new IllegalArgumentException("FrozenBatchNormLayer " + getLayerName() + " is " + dataFormat
                    + ", its input " + c.getFormat());
        }
        if (c.getChannels() != channels) {
            throw new IllegalArgumentException("FrozenBatchNormLayer " + getLayerName() + " has " + channels
                    + " channels, its input " + c.getChannels());
        }
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // the channel count is fixed at construction
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long n = initializer().numParams(this);
        return new LayerMemoryReport.Builder(layerName, FrozenBatchNormLayer.class, inputType, getOutputType(-1, inputType))
                .standardMemory(n, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FrozenBatchNormLayer f && super.equals(o) && f.channels == channels
                && f.dataFormat == dataFormat;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Long.hashCode(channels)) + dataFormat.hashCode();
    }
}
