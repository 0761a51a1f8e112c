package io.github.retina4j.data.targets;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CombinedSamplerTest {

    private static Assignment assignment(int pos, int neg) {
        int[] m = new int[pos + neg + 5];
        double[] iou = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = i < pos ? i % 3 : (i < pos + neg ? Assignment.BACKGROUND : Assignment.IGNORED);
            iou[i] = i < pos ? 0.7 : (i % 10) / 25.0;
        }
        return Assignment.of(m, iou, 3);
    }

    @Test
    void fixedPositiveFractionAndFillWithNegatives() {
        SampledAnchors s = CombinedSampler.random(256, 0.25).sample(assignment(200, 1000), new Random(3));
        assertEquals(64, s.positives().length);
        assertEquals(192, s.negatives().length);
        // Few positives: negatives fill the rest.
        s = CombinedSampler.random(256, 0.25).sample(assignment(10, 1000), new Random(3));
        assertEquals(10, s.positives().length);
        assertEquals(246, s.negatives().length);
        // Libra preset gives the same counts.
        s = CombinedSampler.libra(256, 0.25).sample(assignment(200, 1000), new Random(3));
        assertEquals(64, s.positives().length);
        assertEquals(192, s.negatives().length);
        // Negative/positive upper bound.
        CombinedSampler capped = new CombinedSampler(256, 0.25, 3, new RandomSampler(), new RandomSampler());
        s = capped.sample(assignment(10, 1000), new Random(3));
        assertEquals(30, s.negatives().length);
        assertThrows(IllegalArgumentException.class, () -> CombinedSampler.random(0, 0.25));
    }
}
