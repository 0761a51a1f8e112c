package io.github.retina4j.data.targets;

import java.util.Random;

/** Chooses at most {@code numExpected} of an image's background anchors. */
@FunctionalInterface
public interface NegativeSampler {

    /**
     * @param negatives   the background anchor indices of {@code assignment} (increasing)
     * @param numExpected how many to take at most
     * @return the chosen indices (any order, distinct)
     */
    int[] sampleNegatives(int[] negatives, Assignment assignment, int numExpected, Random rng);
}
