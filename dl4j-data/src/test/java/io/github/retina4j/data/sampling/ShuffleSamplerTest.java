package io.github.retina4j.data.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ShuffleSamplerTest {
    @Test
    void permutationPerEpochSeeded() {
        ShuffleSampler s = new ShuffleSampler(50, 8);
        int[] e0 = s.epochOrder(0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new SequentialSampler(50).epochOrder(0), sorted);
        assertFalse(Arrays.equals(e0, sorted));
        assertFalse(Arrays.equals(e0, s.epochOrder(1)));
        assertArrayEquals(e0, new ShuffleSampler(50, 8).epochOrder(0));
        assertThrows(IllegalArgumentException.class, () -> new ShuffleSampler(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SequentialSampler(0));
    }
}
