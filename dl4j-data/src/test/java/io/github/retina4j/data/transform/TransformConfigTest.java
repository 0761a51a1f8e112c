package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TransformConfigTest {
    @Test
    void defaultsAndValidation() {
        TransformConfig e = TransformConfig.evaluation();
        assertEquals(List.of(new ImageScale(1333, 800)), e.scales());
        assertEquals(0, e.flipProbability());
        assertEquals(32, e.sizeDivisor());
        assertEquals(ImageNormalizer.IMAGENET, e.normalizer());
        assertEquals(0.5, TransformConfig.training().flipProbability());
        assertEquals(2, e.withScales(List.of(new ImageScale(1333, 640), new ImageScale(1333, 800))).scales().size());
        assertThrows(IllegalArgumentException.class, () -> e.withScales(List.of()));
        assertThrows(IllegalArgumentException.class, () -> e.withFlipProbability(1.5));
        assertThrows(IllegalArgumentException.class, () -> e.withSizeDivisor(0));
    }
}
