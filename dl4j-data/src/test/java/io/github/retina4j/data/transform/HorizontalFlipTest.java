package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HorizontalFlipTest {
    @Test
    void flipsAndIsAnInvolution() {
        float[] b = {10, 5, 30, 25, 0, 0, 100, 1};
        HorizontalFlip.flipBoxes(b, 100);
        assertArrayEquals(new float[] {70, 5, 90, 25, 0, 0, 100, 1}, b);
        HorizontalFlip.flipBoxes(b, 100);
        assertArrayEquals(new float[] {10, 5, 30, 25, 0, 0, 100, 1}, b);
    }
}
