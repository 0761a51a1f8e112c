package io.github.retina4j.train;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link Trainer} runs: length, checkpoints, logging, clipping, resume.
 *
 * @param runDir            run folder: {@code train-log.jsonl}, {@code checkpoints/}, UI stats
 * @param iterations        total training iterations (minibatches) of the run
 * @param checkpointEvery   write a checkpoint every this many iterations (and always at the end)
 * @param keepCheckpoints   how many recent checkpoints to keep
 * @param logEvery          log a line through SLF4J every this many iterations (the JSON log has all)
 * @param maxGradNorm       global L2 gradient clipping threshold, 0 = off (mmdet: 35)
 * @param seed              seed of the run (ND4J RNG)
 * @param resume            continue from the latest checkpoint in {@code runDir/checkpoints}
 * @param uiStatsFile       if not null: attach the DL4J training UI's {@code StatsListener}, storing here
 * @param workers           data-parallel workers on this machine (1 = train the graph directly); each iteration then
 *                          takes one minibatch per worker ({@link Trainer}, "Data-parallel training")
 */
public record TrainerConfig(Path runDir, int iterations, int checkpointEvery, int keepCheckpoints, int logEvery,
                            double maxGradNorm, long seed, boolean resume, Path uiStatsFile, int workers) {

    public TrainerConfig {
        Objects.requireNonNull(runDir, "runDir");
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("checkpoint interval must be >= 1, got " + checkpointEvery);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("keep-checkpoints must be >= 1, got " + keepCheckpoints);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("log interval must be >= 1, got " + logEvery);
        }
        if (maxGradNorm < 0 || Double.isNaN(maxGradNorm)) {
            throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = off), got " + maxGradNorm);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
    }

    /** One worker. */
    public TrainerConfig(Path runDir, int iterations, int checkpointEvery, int keepCheckpoints, int logEvery,
                         double maxGradNorm, long seed, boolean resume, Path uiStatsFile) {
        this(runDir, iterations, checkpointEvery, keepCheckpoints, logEvery, maxGradNorm, seed, resume, uiStatsFile, 1);
    }

    /** Defaults for any graph: checkpoint every 500 iterations, keep 2, log every 20, no gradient clipping. */
    public static TrainerConfig defaults(Path runDir, int iterations, long seed) {
        return new TrainerConfig(runDir, iterations, 500, 2, 20, 0,
                seed, false, null);
    }

    /** {@link #defaults} with the recipe's gradient clipping. */
    public static TrainerConfig of(Recipe recipe, Path runDir, int iterations, long seed) {
        return defaults(runDir, iterations, seed).withMaxGradNorm(recipe.maxGradNorm());
    }

    public TrainerConfig withCheckpointEvery(int n) {
        return new TrainerConfig(runDir, iterations, n, keepCheckpoints, logEvery, maxGradNorm, seed, resume, uiStatsFile, workers);
    }

    public TrainerConfig withResume(boolean on) {
        return new TrainerConfig(runDir, iterations, checkpointEvery, keepCheckpoints, logEvery, maxGradNorm, seed, on, uiStatsFile, workers);
    }

    public TrainerConfig withMaxGradNorm(double norm) {
        return new TrainerConfig(runDir, iterations, checkpointEvery, keepCheckpoints, logEvery, norm, seed, resume, uiStatsFile, workers);
    }

    public TrainerConfig withLogEvery(int n) {
        return new TrainerConfig(runDir, iterations, checkpointEvery, keepCheckpoints, n, maxGradNorm, seed, resume, uiStatsFile, workers);
    }

    public TrainerConfig withUiStatsFile(Path file) {
        return new TrainerConfig(runDir, iterations, checkpointEvery, keepCheckpoints, logEvery, maxGradNorm, seed, resume, file, workers);
    }

    public TrainerConfig withWorkers(int n) {
        return new TrainerConfig(runDir, iterations, checkpointEvery, keepCheckpoints, logEvery, maxGradNorm, seed, resume, uiStatsFile, n);
    }
}
