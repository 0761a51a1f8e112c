package io.github.retina4j.coco;

/**
 * One detection in the standard COCO results format {@code {image_id, category_id, bbox, score}}.
 * The box is COCO's {@code [x, y, w, h]} in original-image pixels (DESIGN §2: converted from
 * {@code (x1, y1, x2, y2)} only at this IO boundary, see {@link #fromCorners}).
 *
 * @param imageId    dataset image id
 * @param categoryId dataset category id (not the network's contiguous class index)
 * @param x          left edge
 * @param y          top edge
 * @param width      box width (x2 − x1, no "+1")
 * @param height     box height
 * @param score      confidence; higher is better
 */
public record DetectionResult(long imageId, long categoryId, double x, double y, double width, double height,
                              double score) {

    /** Builds a result from corner coordinates {@code (x1, y1, x2, y2)}. */
    public static DetectionResult fromCorners(long imageId, long categoryId, double x1, double y1, double x2, double y2,
                                              double score) {
        return new DetectionResult(imageId, categoryId, x1, y1, x2 - x1, y2 - y1, score);
    }

    /** Box area as pycocotools' {@code loadRes} defines it for detections: w·h. */
    public double area() {
        return width * height;
    }

    /**
     * Checks the values of results entry {@code index}: finite box and score, non-negative width
     * and height (DESIGN §9).
     *
     * @throws IllegalArgumentException naming the entry, the field and the value
     */
    public void validate(int index) {
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException(where(index) + "score is " + score);
        }
        if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(width) || !Double.isFinite(height)) {
            throw new IllegalArgumentException(where(index) + "bbox " + bboxText() + " is not finite");
        }
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException(where(index) + "bbox " + bboxText() + " has a negative width or height");
        }
    }

    private String where(int index) {
        return "results entry " + index + " (image_id " + imageId + ", category_id " + categoryId + "): ";
    }

    String bboxText() {
        return "[" + x + ", " + y + ", " + width + ", " + height + "]";
    }
}
