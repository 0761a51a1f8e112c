package io.github.retina4j.train;

import java.nio.file.Path;

/**
 * What a {@link Trainer} reports while it runs, for whoever shows it: the command line tool's progress bar is
 * one implementation, a notebook's printout another. DL4J's own {@code TrainingListener}s (e.g. the training UI's
 * {@code StatsListener}) attach with {@link Trainer#addListener} instead. Every method has an empty default.
 */
public interface TrainingProgress {

    /** Training starts (or resumes) at {@code fromIteration} and runs to {@code totalIterations}. */
    default void started(int fromIteration, int totalIterations) {
    }

    /** An iteration finished; {@code point} is the line just written to the training log. */
    default void iteration(LossPoint point, int totalIterations) {
    }

    /** A checkpoint was written (atomically) to {@code dir}. */
    default void checkpoint(int iteration, Path dir) {
    }

    /** The run ended, normally or by an exception. */
    default void finished() {
    }
}
