package io.github.retina4j.cli;

import io.github.retina4j.train.GlobalGradientNormClipping;
import io.github.retina4j.models.optimize.MomentumSgd;
import io.github.retina4j.models.optimize.WarmupStepSchedule;
import picocli.CommandLine.Option;

/** mmdetection RetinaNet schedule options (SGD momentum, weight decay, linear warm-up, step decay, clipping). */
public final class OptimizerOptions {

    /** mmdet RetinaNet: lr 0.01 for 16 images per batch (8 GPUs × 2); scale linearly with the batch. */
    public static final double MMDET_LR_PER_16_IMAGES = 0.01;
    /** mmdet RetinaNet: {@code weight_decay=0.0001}. */
    public static final double MMDET_WEIGHT_DECAY = 1e-4;

    @Option(names = "--optimizer", defaultValue = "auto",
            description = "sgd (mmdetection: momentum 0.9) | adam | auto = adam for the small from-scratch backbone, sgd for ResNets (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", description = "Base learning rate (default: sgd 0.01 × batch/16, mmdet's linear scaling rule; adam 1e-3).")
    Double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum = MomentumSgd.MMDET_MOMENTUM;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay = MMDET_WEIGHT_DECAY;

    @Option(names = "--warmup-iters", description = "Linear warm-up iterations (default: min(500, iterations/5)).")
    Integer warmupIterations;

    @Option(names = "--warmup-ratio", defaultValue = "0.001", description = "Warm-up start factor (default: ${DEFAULT-VALUE}).")
    double warmupRatio = WarmupStepSchedule.MMDET_WARMUP_RATIO;

    @Option(names = "--steps", split = ",", paramLabel = "ITER",
            description = "Iterations where the lr is multiplied by --gamma (default: at 8/12 and 11/12 of the run, as mmdet's 1x).")
    int[] steps;

    @Option(names = "--gamma", defaultValue = "0.1", description = "Step decay factor (default: ${DEFAULT-VALUE}).")
    double gamma = WarmupStepSchedule.MMDET_GAMMA;

    @Option(names = "--grad-clip", defaultValue = "35", description = "Global L2 gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double gradClip = GlobalGradientNormClipping.MMDET_MAX_NORM;

    /** Adam step for the small backbone (the models module's small preset). */
    public static final double ADAM_LR = 1e-3;

    /** "sgd" or "adam" once "auto" is resolved for the backbone. */
    public String resolvedOptimizer(String backbone) {
        String o = optimizer.toLowerCase(java.util.Locale.ROOT);
        return switch (o) {
            case "sgd", "adam" -> o;
            case "auto" -> "small".equals(backbone) ? "adam" : "sgd";
            default -> throw new IllegalArgumentException("--optimizer must be sgd, adam or auto, got '" + optimizer + "'");
        };
    }

    public double learningRate(int batchSize, String optimizerName) {
        if (lr != null) {
            return Inputs.positive(lr, "--lr");
        }
        return "adam".equals(optimizerName) ? ADAM_LR : MMDET_LR_PER_16_IMAGES * batchSize / 16.0;
    }

    public WarmupStepSchedule schedule(int batchSize, int iterations, String optimizerName) {
        int warmup = warmupIterations != null ? warmupIterations : Math.min(WarmupStepSchedule.MMDET_WARMUP_ITERATIONS, iterations / 5);
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup-iters must be >= 0, got " + warmup);
        }
        // mmdet 1x: 12 epochs, steps after epochs 8 and 11
        int[] s = steps != null ? steps
                : java.util.stream.IntStream.of(iterations * 8 / 12, iterations * 11 / 12).filter(v -> v > 0).toArray();
        return new WarmupStepSchedule(learningRate(batchSize, optimizerName), warmup, warmupRatio, s, gamma);
    }

    /** The updater with the warm-up/step schedule: {@link MomentumSgd} or Adam. */
    public org.nd4j.linalg.learning.config.IUpdater updater(int batchSize, int iterations, String backbone) {
        String o = resolvedOptimizer(backbone);
        WarmupStepSchedule schedule = schedule(batchSize, iterations, o);
        return "adam".equals(o) ? new org.nd4j.linalg.learning.config.Adam(schedule) : new MomentumSgd(schedule, momentum);
    }

    public double weightDecay() {
        if (weightDecay < 0) {
            throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        }
        return weightDecay;
    }

    public double gradClip() {
        return gradClip;
    }
}
