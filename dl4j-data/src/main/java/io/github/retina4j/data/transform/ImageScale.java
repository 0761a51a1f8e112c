package io.github.retina4j.data.transform;

/**
 * A keep-ratio resize target (mmdetection's {@code img_scale}, {@code keep_ratio=True}): the image is
 * scaled by the largest factor such that its long edge ≤ {@code longEdge} and its short edge ≤
 * {@code shortEdge}. The RetinaNet paper's default is (1333, 800) (torchvision/mmdetection).
 */
public record ImageScale(int longEdge, int shortEdge) {
    /** RetinaNet / mmdetection default scale (1333, 800). */
    public static final ImageScale DEFAULT = new ImageScale(1333, 800);

    public ImageScale {
        if (longEdge <= 0 || shortEdge <= 0 || shortEdge > longEdge) {
            throw new IllegalArgumentException("image scale needs 0 < shortEdge <= longEdge, got (" + longEdge + ", "
                    + shortEdge + ")");
        }
    }
}
