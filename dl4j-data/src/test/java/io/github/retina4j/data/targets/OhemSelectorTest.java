package io.github.retina4j.data.targets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OhemSelectorTest {

    @Test
    void picksHardestPositivesAndNegativesSkippingIgnored() {
        int[] matched = {0, 0, 1, Assignment.BACKGROUND, Assignment.BACKGROUND, Assignment.IGNORED, Assignment.BACKGROUND, Assignment.BACKGROUND};
        double[] loss = {0.1, 0.9, 0.5, 0.2, 3.0, 99.0, 0.7, 0.7};
        Assignment a = Assignment.of(matched, new double[matched.length], 2);
        SampledAnchors s = new OhemSelector(4, 0.25).select(a, loss);
        assertArrayEquals(new int[] {1}, s.positives());
        // Hardest negatives: 4 (3.0), then the tie 6/7 (0.7) by lower index; ignored anchor 5 never chosen.
        assertArrayEquals(new int[] {4, 6, 7}, s.negatives());
        assertThrows(IllegalArgumentException.class, () -> new OhemSelector(4, 0.25).select(a, new double[3]));
    }
}
