package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BoxSanitizerTest {
    @Test
    void clipsAndDropsWithCounts() {
        float[] b = {-5, 2, 20, 30,      // clipped to 0..W
                5, 5, 5, 9,               // zero width
                Float.NaN, 1, 2, 3,       // NaN
                60, 10, 70, 20,           // outside on the right: empty after clipping
                1, 1, 2, 2};
        BoxSanitizer.Result r = BoxSanitizer.clipAndFilter(b, 50, 25);
        assertArrayEquals(new float[] {0, 2, 20, 25, 1, 1, 2, 2}, r.boxes());
        assertArrayEquals(new int[] {0, 4}, r.keptIndices());
        assertEquals(1, r.droppedNaN());
        assertEquals(2, r.droppedEmpty());
    }
}
