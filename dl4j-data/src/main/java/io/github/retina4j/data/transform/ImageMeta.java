package io.github.retina4j.data.transform;

/**
 * What was done to one image on its way into a batch, carried to the decoder/evaluator to map
 * detections back to original pixels: original size, the resized (valid, unpadded) size inside the
 * padded tensor, per-axis scale factors (resized / original) and the flip flag.
 */
public record ImageMeta(long imageId, String fileName, int originalWidth, int originalHeight, int validWidth,
                        int validHeight, double scaleX, double scaleY, boolean flipped) {

    /**
     * Maps a box (x1, y1, x2, y2) from network-input pixels back to original-image pixels (undoing the
     * flip, then the scale), in place.
     */
    public void toOriginal(float[] boxes) {
        if (flipped) {
            HorizontalFlip.flipBoxes(boxes, validWidth);
        }
        KeepRatioResize.scaleBoxes(boxes, 1.0 / scaleX, 1.0 / scaleY);
    }
}
