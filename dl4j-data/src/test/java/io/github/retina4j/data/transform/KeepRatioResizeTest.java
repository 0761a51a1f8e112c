package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KeepRatioResizeTest {
    @Test
    void mmdetectionRescaleSize() {
        // 640x480 to (1333, 800): s = min(1333/640, 800/480) = 5/3 -> 1067x800 (int(w*s+0.5))
        KeepRatioResize.Geometry g = KeepRatioResize.geometry(640, 480, ImageScale.DEFAULT);
        assertEquals(1067, g.width());
        assertEquals(800, g.height());
        assertEquals(1067 / 640.0, g.scaleX(), 1e-15);
        assertEquals(800 / 480.0, g.scaleY(), 1e-15);
        // very wide: the long edge binds: 2000x500 -> s = min(1333/2000, 800/500) -> 1333x333
        KeepRatioResize.Geometry wide = KeepRatioResize.geometry(2000, 500, ImageScale.DEFAULT);
        assertEquals(1333, wide.width());
        assertEquals(333, wide.height());
        float[] b = {10, 20, 30, 40};
        KeepRatioResize.scaleBoxes(b, 2, 0.5);
        assertArrayEquals(new float[] {20, 10, 60, 20}, b);
        assertThrows(IllegalArgumentException.class, () -> KeepRatioResize.geometry(0, 5, ImageScale.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> new ImageScale(100, 200));
    }
}
