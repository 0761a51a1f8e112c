package io.github.retina4j.cli;

import io.github.retina4j.train.OptimizerRecipe;
import io.github.retina4j.train.Recipe;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Command line overrides of a {@link Recipe}'s optimiser, schedule and clipping. Every option is unset by default: the
 * recipe (mmdetection's {@code schedule_1x}, or Adam for the small backbone) supplies the value.
 */
public final class OptimizerOptions {

    @Option(names = "--optimizer", defaultValue = "auto",
            description = "sgd (momentum, mmdetection) | adam | auto = the recipe's: adam for the small from-scratch backbone, sgd for ResNets (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", description = "Base learning rate (default: sgd " + OptimizerRecipe.MMDET_LR + " × batch/"
            + OptimizerRecipe.REFERENCE_BATCH + ", mmdetection's linear scaling rule; adam " + OptimizerRecipe.ADAM_LR + ").")
    Double lr;

    @Option(names = "--momentum", description = "SGD momentum (default: the recipe's, 0.9).")
    Double momentum;

    @Option(names = "--weight-decay", description = "L2 weight decay (default: the recipe's: sgd " + OptimizerRecipe.MMDET_WEIGHT_DECAY + ", adam 0).")
    Double weightDecay;

    @Option(names = "--warmup-iters", description = "Linear warm-up iterations (default: the recipe's 500, at most a fifth of the run).")
    Integer warmupIterations;

    @Option(names = "--warmup-ratio", description = "Warm-up start factor (default: the recipe's, 0.001).")
    Double warmupRatio;

    @Option(names = "--steps", split = ",", paramLabel = "ITER",
            description = "Iterations where the lr is multiplied by --gamma (default: at 8/12 and 11/12 of the run, as mmdetection's 1x).")
    int[] steps;

    @Option(names = "--gamma", description = "Step decay factor (default: the recipe's, 0.1).")
    Double gamma;

    @Option(names = "--grad-clip", description = "Global L2 gradient-norm clip, 0 = off (default: the recipe's, 35).")
    Double gradClip;

    /** {@code recipe} (already chosen for the backbone) with the options given on the command line applied. */
    public Recipe apply(Recipe recipe) {
        OptimizerRecipe o = recipe.optimizer();
        switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "auto" -> { }
            case "sgd" -> o = o.withAlgorithm(OptimizerRecipe.Algorithm.SGD);
            case "adam" -> o = o.withAlgorithm(OptimizerRecipe.Algorithm.ADAM);
            default -> throw new IllegalArgumentException("--optimizer must be sgd, adam or auto, got '" + optimizer + "'");
        }
        if (lr != null) {
            o = o.withLearningRate(Inputs.positive(lr, "--lr"));
        }
        if (momentum != null) {
            o = o.withMomentum(momentum);
        }
        if (weightDecay != null) {
            o = o.withWeightDecay(weightDecay);
        }
        if (warmupIterations != null) {
            o = o.withWarmup(warmupIterations, warmupRatio != null ? warmupRatio : o.warmupRatio());
        } else if (warmupRatio != null) {
            o = o.withWarmupRatio(warmupRatio);
        }
        if (steps != null) {
            o = o.withSteps(steps, gamma != null ? gamma : o.gamma());
        } else if (gamma != null) {
            o = o.withGamma(gamma);
        }
        Recipe r = recipe.withOptimizer(o);
        return gradClip != null ? r.withMaxGradNorm(gradClip) : r;
    }
}
