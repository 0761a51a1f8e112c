package io.github.retina4j.train.experiment;

import io.github.retina4j.models.retinanet.RetinaNetConfig;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.Recipe;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How a method trains: the named choices of {@link DetectorSetup.Choice} (model preset, classification and box loss,
 * as {@code retina4j train} takes them), the image sampler, and further overrides of the {@link Recipe} (e.g. an anchor
 * sampler). The experiment's backbone, schedule and sizes apply to every plan.
 *
 * @param model    {@code retinanet} or {@code libra} ({@link Recipe#named})
 * @param clsLoss  classification loss name ({@link DetectorSetup#classLoss})
 * @param boxLoss  box loss name, or {@value DetectorSetup#RECIPE_BOX_LOSS} for the preset's own
 * @param sampling which training images each epoch draws
 * @param recipe   overrides applied to the preset's recipe after the experiment's schedule
 * @param network  change of the network configuration built from the choices (e.g. {@link DetectorSetup#pisa})
 */
public record TrainingPlan(String model, String clsLoss, String boxLoss, Sampling sampling, UnaryOperator<Recipe> recipe,
                           UnaryOperator<RetinaNetConfig> network) {

    /** The image sampler of the training data. */
    public enum Sampling {
        /** A seeded shuffle of the training images every epoch. */
        SHUFFLE,
        /** LVIS repeat factor sampling (Gupta 2019, §4.2), with the experiment's threshold. */
        REPEAT_FACTOR,
        /** Class-aware sampling (DESIGN §4.5): a class, then an image of it. */
        CLASS_AWARE
    }

    public TrainingPlan {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(clsLoss, "clsLoss");
        Objects.requireNonNull(boxLoss, "boxLoss");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(network, "network");
        model = model.toLowerCase(Locale.ROOT);
        clsLoss = clsLoss.toLowerCase(Locale.ROOT);
        boxLoss = boxLoss.toLowerCase(Locale.ROOT);
    }

    /** RetinaNet's recipe as it is: focal loss, smooth L1, every anchor, shuffled images. */
    public static TrainingPlan retinaNet() {
        return new TrainingPlan("retinanet", "focal", DetectorSetup.RECIPE_BOX_LOSS, Sampling.SHUFFLE, UnaryOperator.identity(),
                UnaryOperator.identity());
    }

    /** Libra RetinaNet's recipe: balanced feature pyramid, balanced L1, focal loss. */
    public static TrainingPlan libra() {
        return new TrainingPlan("libra", "focal", DetectorSetup.RECIPE_BOX_LOSS, Sampling.SHUFFLE, UnaryOperator.identity(),
                UnaryOperator.identity());
    }

    public TrainingPlan withClsLoss(String name) {
        return new TrainingPlan(model, name, boxLoss, sampling, recipe, network);
    }

    public TrainingPlan withBoxLoss(String name) {
        return new TrainingPlan(model, clsLoss, name, sampling, recipe, network);
    }

    public TrainingPlan withSampling(Sampling s) {
        return new TrainingPlan(model, clsLoss, boxLoss, s, recipe, network);
    }

    /** Adds a recipe override, applied after the ones already set. */
    public TrainingPlan withRecipe(UnaryOperator<Recipe> override) {
        Objects.requireNonNull(override, "override");
        UnaryOperator<Recipe> before = recipe;
        return new TrainingPlan(model, clsLoss, boxLoss, sampling, r -> override.apply(before.apply(r)), network);
    }

    /** Adds a change of the built network configuration, applied after the ones already set. */
    public TrainingPlan withNetwork(UnaryOperator<RetinaNetConfig> change) {
        Objects.requireNonNull(change, "change");
        UnaryOperator<RetinaNetConfig> before = network;
        return new TrainingPlan(model, clsLoss, boxLoss, sampling, recipe, c -> change.apply(before.apply(c)));
    }

    /** The named choices for a backbone. */
    public DetectorSetup.Choice choice(String backbone) {
        return new DetectorSetup.Choice(model, backbone, clsLoss, boxLoss);
    }
}
