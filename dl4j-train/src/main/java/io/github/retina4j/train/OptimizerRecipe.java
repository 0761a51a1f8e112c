package io.github.retina4j.train;

import io.github.retina4j.models.optimize.MomentumSgd;
import io.github.retina4j.models.optimize.WarmupStepSchedule;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.IntStream;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The optimiser and learning-rate policy of a {@link Recipe}.
 *
 * <p>{@link #mmdetection1x()} is mmdetection's {@code schedule_1x} for RetinaNet (docs/DESIGN.md §7): SGD with
 * momentum 0.9 (PyTorch semantics, {@link MomentumSgd}), weight decay 1e-4, learning rate 0.01 for 16 images scaled
 * linearly with the batch (Goyal et al. 2017, "Accurate, Large Minibatch SGD", §2.1), linear warm-up over 500
 * iterations from 0.001×, and ×0.1 steps after 8 and 11 of the 12 epochs ({@link WarmupStepSchedule}).
 *
 * @param algorithm        SGD with momentum, or Adam
 * @param learningRate     base learning rate; per {@value #REFERENCE_BATCH} images if {@code linearScaling}
 * @param linearScaling    scale {@code learningRate} by batch / {@value #REFERENCE_BATCH}
 * @param momentum         SGD momentum (unused by Adam)
 * @param weightDecay      L2 weight decay, applied by the updater as in PyTorch's optimisers
 * @param warmupIterations linear warm-up length; a run shorter than five times it warms up for a fifth of the run
 *                         unless {@code exactWarmup}
 * @param exactWarmup      use {@code warmupIterations} as given, whatever the run's length
 * @param warmupRatio      learning-rate factor at the first warm-up iteration
 * @param stepFractions    where the steps fall, as fractions of the run (used when {@code steps} is null)
 * @param steps            iterations where the steps fall, or null for {@code stepFractions}
 * @param gamma            step factor
 */
public record OptimizerRecipe(Algorithm algorithm, double learningRate, boolean linearScaling, double momentum,
                              double weightDecay, int warmupIterations, boolean exactWarmup, double warmupRatio,
                              double[] stepFractions, int[] steps, double gamma) {

    /** The update rule. */
    public enum Algorithm { SGD, ADAM }

    /** mmdetection's learning rates are given for 8 GPUs × 2 images. */
    public static final int REFERENCE_BATCH = 16;
    /** mmdetection RetinaNet: {@code lr=0.01} for {@value #REFERENCE_BATCH} images. */
    public static final double MMDET_LR = 0.01;
    /** mmdetection RetinaNet: {@code weight_decay=0.0001}. */
    public static final double MMDET_WEIGHT_DECAY = 1e-4;
    /** {@code schedule_1x}: steps after epochs 8 and 11 of 12. */
    private static final double[] MMDET_1X_STEP_FRACTIONS = {8.0 / 12.0, 11.0 / 12.0};
    /**
     * Adam for the small backbone, which trains from scratch and has no normalisation layers: plain SGD at mmdetection's
     * rate does not train it in a CPU-sized run (docs/DESIGN.md §7).
     */
    public static final double ADAM_LR = 1e-3;

    public OptimizerRecipe {
        Objects.requireNonNull(algorithm, "algorithm");
        if (!(learningRate > 0) || weightDecay < 0 || warmupIterations < 0 || !(warmupRatio > 0) || !(gamma > 0)
                || momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("optimizer: need learning rate > 0, weight decay >= 0, warm-up >= 0, "
                    + "warm-up ratio > 0, gamma > 0 and 0 <= momentum < 1; got lr=" + learningRate + ", weight decay="
                    + weightDecay + ", warm-up=" + warmupIterations + ", ratio=" + warmupRatio + ", gamma=" + gamma
                    + ", momentum=" + momentum);
        }
        stepFractions = stepFractions.clone();
        steps = steps == null ? null : steps.clone();
    }

    /** mmdetection's RetinaNet {@code schedule_1x}. */
    public static OptimizerRecipe mmdetection1x() {
        return new OptimizerRecipe(Algorithm.SGD, MMDET_LR, true, MomentumSgd.MMDET_MOMENTUM, MMDET_WEIGHT_DECAY,
                WarmupStepSchedule.MMDET_WARMUP_ITERATIONS, false, WarmupStepSchedule.MMDET_WARMUP_RATIO,
                MMDET_1X_STEP_FRACTIONS, null, WarmupStepSchedule.MMDET_GAMMA);
    }

    /** Adam at {@value #ADAM_LR} without weight decay, with the 1x warm-up and steps. */
    public static OptimizerRecipe adamFromScratch() {
        return new OptimizerRecipe(Algorithm.ADAM, ADAM_LR, false, MomentumSgd.MMDET_MOMENTUM, 0,
                WarmupStepSchedule.MMDET_WARMUP_ITERATIONS, false, WarmupStepSchedule.MMDET_WARMUP_RATIO,
                MMDET_1X_STEP_FRACTIONS, null, WarmupStepSchedule.MMDET_GAMMA);
    }

    /** The learning rate for {@code batchSize} images per iteration. */
    public double learningRate(int batchSize) {
        return linearScaling ? learningRate * batchSize / REFERENCE_BATCH : learningRate;
    }

    /** The warm-up/step schedule of a run of {@code iterations} iterations of {@code batchSize} images. */
    public WarmupStepSchedule schedule(int batchSize, int iterations) {
        int warmup = exactWarmup ? warmupIterations : Math.min(warmupIterations, iterations / 5);
        int[] at = steps != null ? steps.clone()
                : Arrays.stream(stepFractions).mapToInt(f -> (int) (iterations * f)).filter(v -> v > 0).toArray();
        return new WarmupStepSchedule(learningRate(batchSize), warmup, warmupRatio, at, gamma);
    }

    /** The DL4J updater with {@link #schedule(int, int)}. */
    public IUpdater updater(int batchSize, int iterations) {
        WarmupStepSchedule schedule = schedule(batchSize, iterations);
        return algorithm == Algorithm.ADAM ? new Adam(schedule) : new MomentumSgd(schedule, momentum);
    }

    /** The other algorithm's own defaults ({@link #mmdetection1x()} or {@link #adamFromScratch()}); this one if the same. */
    public OptimizerRecipe withAlgorithm(Algorithm a) {
        return a == algorithm ? this : (a == Algorithm.ADAM ? adamFromScratch() : mmdetection1x());
    }

    /** A fixed learning rate (not scaled with the batch). */
    public OptimizerRecipe withLearningRate(double lr) {
        return new OptimizerRecipe(algorithm, lr, false, momentum, weightDecay, warmupIterations, exactWarmup, warmupRatio,
                stepFractions, steps, gamma);
    }

    public OptimizerRecipe withMomentum(double m) {
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, m, weightDecay, warmupIterations, exactWarmup,
                warmupRatio, stepFractions, steps, gamma);
    }

    public OptimizerRecipe withWeightDecay(double wd) {
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, momentum, wd, warmupIterations, exactWarmup,
                warmupRatio, stepFractions, steps, gamma);
    }

    /** A warm-up of exactly {@code iterations} iterations from {@code ratio}×. */
    public OptimizerRecipe withWarmup(int iterations, double ratio) {
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, momentum, weightDecay, iterations, true, ratio,
                stepFractions, steps, gamma);
    }

    public OptimizerRecipe withWarmupRatio(double ratio) {
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, momentum, weightDecay, warmupIterations,
                exactWarmup, ratio, stepFractions, steps, gamma);
    }

    /** Steps at these iterations, each multiplying the learning rate by {@code factor}. */
    public OptimizerRecipe withSteps(int[] at, double factor) {
        if (IntStream.of(at).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("steps must be >= 0, got " + Arrays.toString(at));
        }
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, momentum, weightDecay, warmupIterations,
                exactWarmup, warmupRatio, stepFractions, at, factor);
    }

    public OptimizerRecipe withGamma(double factor) {
        return new OptimizerRecipe(algorithm, learningRate, linearScaling, momentum, weightDecay, warmupIterations,
                exactWarmup, warmupRatio, stepFractions, steps, factor);
    }

    @Override
    public String toString() {
        return algorithm.name().toLowerCase(java.util.Locale.ROOT) + " lr " + learningRate
                + (linearScaling ? " per " + REFERENCE_BATCH + " images" : "") + ", weight decay " + weightDecay
                + ", warm-up " + warmupIterations + (exactWarmup ? "" : " (at most a fifth of the run)") + " from "
                + warmupRatio + "x, steps " + (steps != null ? Arrays.toString(steps) : "at " + Arrays.toString(stepFractions)
                + " of the run") + " x" + gamma;
    }
}
