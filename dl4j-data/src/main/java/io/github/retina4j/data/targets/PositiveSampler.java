package io.github.retina4j.data.targets;

import java.util.Random;

/** Chooses at most {@code numExpected} of an image's positive anchors. */
@FunctionalInterface
public interface PositiveSampler {

    /**
     * @param positives   the positive anchor indices of {@code assignment} (increasing)
     * @param numExpected how many to take at most
     * @return the chosen indices (any order, distinct)
     */
    int[] samplePositives(int[] positives, Assignment assignment, int numExpected, Random rng);
}
