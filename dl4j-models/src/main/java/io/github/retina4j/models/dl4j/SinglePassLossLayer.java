package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;

/**
 * DL4J's {@link RnnLossLayer} (same configuration, reshapes, masks and score; JSON apart from the class name) that
 * evaluates its loss once per training step instead of twice.
 *
 * <p>Why (docs/DESIGN.md §10.13): in a training step DL4J 1.0.0-M2.1's {@code RnnLossLayer} asks the loss for the
 * gradient in {@code backpropGradient}, then for the score in {@code computeScore}, each time on fresh reshaped copies of
 * the pre-output and labels (and the pre-output copied once more), so a dense loss runs its whole pass twice and the
 * loss cannot tell that the second call repeats the first. Here {@code backpropGradient} calls
 * {@link ILossFunction#computeGradientAndScore} once and keeps the score for the {@code computeScore} call of the same
 * step, keyed on the layer's own input, labels and mask arrays (identity), so any other call recomputes. Measured
 * (ModelBenchmark, ResNet-50 RetinaNet, 1203 classes, 512², batch 2): see the README's speed section. Guard:
 * {@code SinglePassLossLayerTest} fails when DL4J's layer stops calling the loss twice.
 */
public class SinglePassLossLayer extends RnnLossLayer {

    /** For JSON deserialisation only. */
    public SinglePassLossLayer() {
    }

    /** The layer {@code new RnnLossLayer.Builder().lossFunction(loss).activation(IDENTITY).build()} gives, as this class. */
    public static SinglePassLossLayer of(ILossFunction loss) {
        RnnLossLayer dl4j = new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build();
        SinglePassLossLayer layer = new SinglePassLossLayer();
        copyFields(dl4j, layer);
        return layer;
    }

    /**
     * Every instance field DL4J's builder set, copied up the class hierarchy: the configuration classes have Lombok
     * setters for some fields only, and {@code RnnLossLayer}'s builder constructor is private.
     */
    private static void copyFields(RnnLossLayer from, SinglePassLossLayer to) {
        for (Class<?> c = RnnLossLayer.class; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(to, f.get(from));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy RnnLossLayer field " + c.getSimpleName() + "." + f.getName(), e);
                }
            }
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        SinglePassLossLayerImpl layer = new SinglePassLossLayerImpl(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }
}
