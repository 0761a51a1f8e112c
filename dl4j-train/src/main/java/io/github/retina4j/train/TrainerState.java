package io.github.retina4j.train;

/**
 * Everything besides the graph (parameters, updater state, iteration/epoch counters and loss state
 * live in the model file) that a resumed run needs to continue exactly where it stopped.
 *
 * @param iteration     completed training iterations
 * @param epoch         current epoch (number of completed passes over the data)
 * @param batchInEpoch  batches already consumed in the current epoch (sampler position)
 * @param seed          the run's seed
 * @param rngRootState  ND4J RNG root state ({@code Nd4j.getRandom().rootState()})
 * @param rngNodeState  ND4J RNG node state
 */
public record TrainerState(int iteration, int epoch, int batchInEpoch, long seed, long rngRootState, long rngNodeState) {
}
