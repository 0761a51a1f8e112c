package io.github.retina4j.train.experiment;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.models.io.ModelMetadata;
import java.util.Objects;

/**
 * One method of an experiment's grid: either it trains its own models ({@link #training} set), or it evaluates the
 * models another method trained, changed after training only (a post-hoc method such as a score calibration, or the
 * same model under a second name), so that it costs no training.
 *
 * @param name        the name the configuration uses
 * @param description one line for the report
 * @param training    how it trains, or null for an evaluation-only method
 * @param trainedBy   for an evaluation-only method: the method whose models it evaluates (same seed); else null
 * @param postHoc     for an evaluation-only method: what it changes in the trained model's metadata before detecting
 */
public record Method(String name, String description, TrainingPlan training, String trainedBy, PostHoc postHoc) {

    /** A change of a trained model at inference time: its metadata (post-processing) given the training set. */
    @FunctionalInterface
    public interface PostHoc {
        ModelMetadata apply(ModelMetadata trained, CocoDataset train);

        /** The trained model unchanged. */
        PostHoc NONE = (m, train) -> m;
    }

    public Method {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if ((training == null) == (trainedBy == null)) {
            throw new IllegalArgumentException("method " + name + ": give either a training plan or the method it evaluates");
        }
        if (trainedBy != null) {
            Objects.requireNonNull(postHoc, "postHoc");
        }
    }

    /** A method that trains its own models. */
    public static Method trained(String name, String description, TrainingPlan training) {
        return new Method(name, description, training, null, null);
    }

    /** A method that evaluates {@code trainedBy}'s models after {@code postHoc}; it trains nothing. */
    public static Method evaluationOf(String name, String description, String trainedBy, PostHoc postHoc) {
        return new Method(name, description, null, trainedBy, postHoc);
    }

    public boolean trains() {
        return training != null;
    }

    /** The method whose training run produced this method's models (itself for a training method). */
    public String modelsOf() {
        return trains() ? name : trainedBy;
    }
}
