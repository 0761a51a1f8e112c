package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SizeDivisorPaddingTest {
    @Test
    void roundsUpToTheDivisor() {
        assertEquals(800, SizeDivisorPadding.pad(800, 32));
        assertEquals(1088, SizeDivisorPadding.pad(1067, 32));
        assertEquals(32, SizeDivisorPadding.pad(1, 32));
        assertEquals(129, SizeDivisorPadding.pad(129, 1));
        assertThrows(IllegalArgumentException.class, () -> SizeDivisorPadding.pad(10, 0));
    }
}
