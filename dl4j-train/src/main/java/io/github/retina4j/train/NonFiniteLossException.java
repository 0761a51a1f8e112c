package io.github.retina4j.train;

import java.nio.file.Path;

/** A training step produced a NaN or infinite loss; the run stops and keeps the last good checkpoint. */
public final class NonFiniteLossException extends RuntimeException {

    private final int iteration;
    private final double loss;
    private final Path lastGoodCheckpoint;

    public NonFiniteLossException(int iteration, double loss, Path lastGoodCheckpoint) {
        super("loss became " + loss + " at iteration " + iteration + "; training stopped. "
                + (lastGoodCheckpoint == null ? "No checkpoint was written before it."
                : "Last good checkpoint: " + lastGoodCheckpoint + " (resume with --resume, e.g. with a lower learning rate)"));
        this.iteration = iteration;
        this.loss = loss;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    public int iteration() { return iteration; }
    public double loss() { return loss; }
    public Path lastGoodCheckpoint() { return lastGoodCheckpoint; }
}
