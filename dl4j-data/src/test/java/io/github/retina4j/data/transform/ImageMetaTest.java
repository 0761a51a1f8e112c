package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ImageMetaTest {
    @Test
    void toOriginalUndoesFlipThenScale() {
        KeepRatioResize.Geometry g = KeepRatioResize.geometry(640, 480, ImageScale.DEFAULT);
        float[] original = {100, 50, 300, 250};
        float[] net = original.clone();
        KeepRatioResize.scaleBoxes(net, g.scaleX(), g.scaleY());
        HorizontalFlip.flipBoxes(net, g.width());
        ImageMeta m = new ImageMeta(1, "a.jpg", 640, 480, g.width(), g.height(), g.scaleX(), g.scaleY(), true);
        m.toOriginal(net);
        assertArrayEquals(original, net, 1e-3f);
    }
}
