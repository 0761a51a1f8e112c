package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Base class for this project's {@link SameDiffVertex}es: identical to DL4J's, except that the backward pass
 * multiplies every gradient it produces by {@link #GRADIENT_CORRECTION}.
 *
 * <p>Why: in DL4J 1.0.0-M2.1, gradients through a {@code SameDiffVertex} (its parameter gradients and the
 * errors it sends to its inputs) come out exactly twice the true value (DESIGN §10.3; finite
 * differences give ratio 2.000 for any vertex). Correcting it per vertex (rather than once at the loss) keeps
 * the gradients right when several SameDiff vertices are chained (balanced feature pyramid → shared heads)
 * or when some paths to the loss bypass them (residual connections).
 * {@code SameDiffGradientBugTest} measures the raw DL4J ratio, so the day DL4J fixes the bug that test fails
 * and {@link #GRADIENT_CORRECTION} must become 1.
 */
public abstract class GradientCorrectedSameDiffVertex extends SameDiffVertex {
    /** 1 / (DL4J's measured gradient factor of 2). */
    public static final double GRADIENT_CORRECTION = 0.5;

    static {
        OneDnnSupport.enable();
    }

    /**
     * Copies the training configuration DL4J's {@link SameDiffVertex} keeps (updaters, regularisation, gradient
     * normalisation, data type, name) into {@code copy}, and returns it. A subclass's {@code clone()} that builds
     * a fresh vertex from its own fields must pass it through here: without the updater,
     * {@code ComputationGraph.clone()} (the detector's replicas, {@code Detector.withPostProcessing}) fails with
     * "Updater for parameter ... was null".
     */
    protected <T extends GradientCorrectedSameDiffVertex> T copyTrainingConfigTo(T copy) {
        copy.setUpdater(getUpdater() == null ? null : getUpdater().clone());
        copy.setBiasUpdater(getBiasUpdater() == null ? null : getBiasUpdater().clone());
        copy.setRegularization(copyOf(getRegularization()));
        copy.setRegularizationBias(copyOf(getRegularizationBias()));
        copy.setGradientNormalization(getGradientNormalization());
        copy.setGradientNormalizationThreshold(getGradientNormalizationThreshold());
        copy.setDataType(getDataType());
        copy.setName(getName());
        return copy;
    }

    private static List<Regularization> copyOf(List<Regularization> r) {
        return r == null ? null : r.stream().map(Regularization::clone).collect(Collectors.toCollection(ArrayList::new));
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        setName(name);
        return new GradientCorrectedSameDiffGraphVertex(this, graph, name, idx, paramsView, initializeParams,
                networkDatatype, GRADIENT_CORRECTION);
    }
}
