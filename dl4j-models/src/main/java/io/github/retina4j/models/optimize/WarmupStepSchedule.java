package io.github.retina4j.models.optimize;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * mmdetection's RetinaNet learning-rate policy, per iteration: linear warm-up from
 * {@code baseLr·warmupRatio} to {@code baseLr} over {@code warmupIterations}, then multiply by
 * {@code gamma} at each step (iteration numbers). mmdet's warm-up formula
 * ({@code LrUpdaterHook.get_warmup_lr}, policy "linear"): {@code lr = base·(1 − (1 − i/W)(1 − ratio))}.
 * Serialised in the graph JSON (it lives inside the updater config), so a resumed run keeps it.
 */
public final class WarmupStepSchedule implements ISchedule {

    /** mmdet RetinaNet 1x: {@code warmup_iters=500, warmup_ratio=0.001}. */
    public static final int MMDET_WARMUP_ITERATIONS = 500;
    public static final double MMDET_WARMUP_RATIO = 0.001;
    /** mmdet step policy: lr × 0.1 at each step. */
    public static final double MMDET_GAMMA = 0.1;

    private final double baseLr;
    private final int warmupIterations;
    private final double warmupRatio;
    private final int[] steps;
    private final double gamma;

    @JsonCreator
    public WarmupStepSchedule(@JsonProperty("baseLr") double baseLr,
                              @JsonProperty("warmupIterations") int warmupIterations,
                              @JsonProperty("warmupRatio") double warmupRatio,
                              @JsonProperty("steps") int[] steps,
                              @JsonProperty("gamma") double gamma) {
        if (!(baseLr > 0) || !Double.isFinite(baseLr)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + baseLr);
        }
        if (warmupIterations < 0) {
            throw new IllegalArgumentException("warm-up iterations must be >= 0, got " + warmupIterations);
        }
        if (!(warmupRatio > 0) || warmupRatio > 1) {
            throw new IllegalArgumentException("warm-up ratio must be in (0, 1], got " + warmupRatio);
        }
        if (!(gamma > 0)) {
            throw new IllegalArgumentException("step decay gamma must be > 0, got " + gamma);
        }
        int[] sorted = steps == null ? new int[0] : steps.clone();
        for (int s : sorted) {
            if (s <= 0) {
                throw new IllegalArgumentException("lr steps must be positive iterations, got " + Arrays.toString(steps));
            }
        }
        Arrays.sort(sorted);
        this.baseLr = baseLr;
        this.warmupIterations = warmupIterations;
        this.warmupRatio = warmupRatio;
        this.steps = sorted;
        this.gamma = gamma;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double regular = baseLr;
        for (int s : steps) {
            if (iteration >= s) {
                regular *= gamma;
            }
        }
        if (iteration >= warmupIterations) {
            return regular;
        }
        double k = (1.0 - (double) iteration / warmupIterations) * (1.0 - warmupRatio);
        return regular * (1.0 - k);
    }

    @Override
    public ISchedule clone() {
        return new WarmupStepSchedule(baseLr, warmupIterations, warmupRatio, steps, gamma);
    }

    @JsonProperty("baseLr") public double getBaseLr() { return baseLr; }
    @JsonProperty("warmupIterations") public int getWarmupIterations() { return warmupIterations; }
    @JsonProperty("warmupRatio") public double getWarmupRatio() { return warmupRatio; }
    @JsonProperty("steps") public int[] getSteps() { return steps.clone(); }
    @JsonProperty("gamma") public double getGamma() { return gamma; }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupStepSchedule w && w.baseLr == baseLr && w.warmupIterations == warmupIterations
                && w.warmupRatio == warmupRatio && Arrays.equals(w.steps, steps) && w.gamma == gamma;
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseLr, warmupIterations, warmupRatio, Arrays.hashCode(steps), gamma);
    }

    @Override
    public String toString() {
        return "WarmupStepSchedule(lr=" + baseLr + ", warmup=" + warmupIterations + "@" + warmupRatio
                + ", steps=" + Arrays.toString(steps) + ", gamma=" + gamma + ")";
    }
}
