package io.github.retina4j.train;

import java.util.List;

/** One line of the per-iteration training log ({@code train-log.jsonl}). */
public record LossPoint(int iteration, int epoch, double loss, double lr, double imagesPerSecond, double gradNorm) {

    /** The iteration numbers of a log, as the x values of a loss curve. */
    public static double[] iterations(List<LossPoint> log) {
        return log.stream().mapToDouble(LossPoint::iteration).toArray();
    }

    /** The losses of a log, parallel to {@link #iterations(List)}. */
    public static double[] losses(List<LossPoint> log) {
        return log.stream().mapToDouble(LossPoint::loss).toArray();
    }
}
