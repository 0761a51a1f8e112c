package io.github.retina4j.models.backbone;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of {@link FrozenBatchNormLayer}: {@value #SCALE} {@code [1, C]} and {@value #SHIFT} {@code [1, C]}, initialised
 * to a fresh torchvision {@code FrozenBatchNorm2d} (γ = 1, β = 0, μ = 0, σ² = 1: scale = 1/√(1 + ε), shift = 0).
 */
public final class FrozenBatchNormParams implements ParamInitializer {
    /** scale = γ / √(σ² + ε) (the name of DL4J's weight key, which the weight importer fills). */
    public static final String SCALE = "W";
    /** shift = β − μ · scale. */
    public static final String SHIFT = "b";
    static final FrozenBatchNormParams INSTANCE = new FrozenBatchNormParams();

    private FrozenBatchNormParams() {
    }

    private static long channels(Layer layer) {
        return ((FrozenBatchNormLayer) layer).getChannels();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return 2 * channels(layer);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(SCALE, SHIFT);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(SCALE);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(SHIFT);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return SCALE.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return SHIFT.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initialize) {
        Map<String, INDArray> views = views(conf, paramsView);
        if (initialize) {
            views.get(SCALE).assign(1.0 / Math.sqrt(1.0 + FrozenBatchNorm.EPS));
            views.get(SHIFT).assign(0.0);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf, gradientView);
    }

    private static Map<String, INDArray> views(NeuralNetConfiguration conf, INDArray flat) {
        long c = channels(conf.getLayer());
        INDArray row = flat.reshape(1, flat.length());
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(SCALE, row.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, c)));
        m.put(SHIFT, row.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(c, 2 * c)));
        return m;
    }
}
