package io.github.retina4j.data.targets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AssignmentTest {

    @Test
    void countsIndicesAndDefensiveCopies() {
        int[] codes = {0, Assignment.BACKGROUND, Assignment.IGNORED, 1, Assignment.BACKGROUND};
        Assignment a = Assignment.of(codes, new double[] {0.7, 0.1, 0.45, 0.9, 0}, 2);
        assertEquals(2, a.numPositive());
        assertEquals(1, a.numIgnored());
        assertEquals(2, a.numBackground());
        assertArrayEquals(new int[] {0, 3}, a.positiveIndices());
        assertArrayEquals(new int[] {1, 4}, a.negativeIndices());
        codes[0] = Assignment.IGNORED;
        assertEquals(0, a.matched(0), "input array was copied");
        a.matchedGtIndices()[0] = 5;
        assertEquals(0, a.matched(0), "returned array is a copy");
        assertTrue(a.toString().contains("positive=2"));
    }

    @Test
    void invalidCodesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Assignment.of(new int[] {0, 2}, new double[2], 2));
        assertTrue(e.getMessage().contains("anchor 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Assignment.of(new int[] {-3}, new double[1], 1));
        assertThrows(IllegalArgumentException.class, () -> Assignment.of(new int[] {0}, new double[2], 1));
        assertThrows(IllegalArgumentException.class, () -> Assignment.of(new int[] {0}, new double[] {Double.NaN}, 1));
    }
}
