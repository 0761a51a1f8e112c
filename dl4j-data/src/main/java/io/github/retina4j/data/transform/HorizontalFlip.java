package io.github.retina4j.data.transform;

/**
 * Horizontal flip of boxes for an image of width W: x1' = W − x2, x2' = W − x1 (mmdetection's
 * {@code bbox_flip}, no "−1" since width = x2 − x1, DESIGN §2). The pixels are flipped by DataVec's
 * {@code FlipImageTransform(1)}.
 */
public final class HorizontalFlip {
    private HorizontalFlip() {
    }

    /** Flips boxes (x1, y1, x2, y2 packed) in place. */
    public static void flipBoxes(float[] boxes, int imageWidth) {
        for (int i = 0; i < boxes.length; i += 4) {
            float x1 = boxes[i];
            boxes[i] = imageWidth - boxes[i + 2];
            boxes[i + 2] = imageWidth - x1;
        }
    }
}
