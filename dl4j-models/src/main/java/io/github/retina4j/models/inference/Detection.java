package io.github.retina4j.models.inference;

/**
 * One detected object: a box {@code (x1, y1, x2, y2)} in original image pixels (DESIGN §2, width =
 * x2 − x1), the network's contiguous class index, the dataset category id it maps to and the
 * sigmoid score.
 */
public record Detection(double x1, double y1, double x2, double y2, int classIndex, int categoryId,
                        String categoryName, double score) {

    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }

    /** COCO results {@code bbox}: {@code [x, y, w, h]} (converted only at the IO boundary, DESIGN §2). */
    public double[] cocoBbox() {
        return new double[] {x1, y1, x2 - x1, y2 - y1};
    }
}
