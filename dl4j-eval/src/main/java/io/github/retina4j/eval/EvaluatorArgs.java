package io.github.retina4j.eval;

import io.github.retina4j.coco.DetectionResult;

import java.util.List;
import java.util.Objects;

/** Argument checks shared by {@link CocoEvaluator} and {@link LvisEvaluator}. */
final class EvaluatorArgs {

    private EvaluatorArgs() {
    }

    /** Returns {@code threads} if it is at least 1, else throws naming the value. */
    static int checkThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        return threads;
    }

    /** Null checks of an {@code evaluate(gt, results)} call, naming the missing argument. */
    static void requireInputs(GroundTruth gt, List<DetectionResult> results) {
        Objects.requireNonNull(gt, "gt");
        Objects.requireNonNull(results, "results");
    }
}
