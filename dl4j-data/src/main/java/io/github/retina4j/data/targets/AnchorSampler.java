package io.github.retina4j.data.targets;

import java.util.Random;

/**
 * Chooses the anchors that enter the losses of a sampled baseline (the alternative to focal loss on all anchors).
 * Implementations are stateless; all randomness comes from the given seeded {@link Random}.
 */
public interface AnchorSampler {

    /** Samples positives and negatives of one image's assignment. */
    SampledAnchors sample(Assignment assignment, Random rng);
}
