package io.github.retina4j.data.reader;

import io.github.retina4j.data.transform.ImageMeta;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One transformed image: the normalised RGB tensor {@code [3, h, w]} (h, w = valid size, not padded),
 * ground-truth boxes (x1, y1, x2, y2 packed, network-input pixels), their contiguous classes, the
 * crowd boxes as ignore regions (packed), and the image's metadata.
 */
public record DetectionSample(INDArray image, float[] boxes, int[] classes, float[] ignoreBoxes, ImageMeta meta) {
    public int numBoxes() {
        return classes.length;
    }
}
