package io.github.retina4j.train;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The outcome of {@link Trainer#train()}.
 *
 * @param graph          the trained graph (a new instance if the run was resumed)
 * @param history        the whole per-iteration log, including iterations of earlier (resumed) runs
 * @param lastCheckpoint the final checkpoint folder
 * @param resumedFrom    iteration the run resumed from (0 for a fresh run)
 * @param seconds        wall time of this invocation
 */
public record TrainingResult(ComputationGraph graph, List<LossPoint> history, Path lastCheckpoint, int resumedFrom,
                             double seconds) {

    public double finalLoss() {
        return history.isEmpty() ? Double.NaN : history.get(history.size() - 1).loss();
    }
}
