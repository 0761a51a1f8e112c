package io.github.retina4j.data.synthetic;

/**
 * One drawn shape: its class, its geometry (centre and half-extents in image pixels) and its exact
 * box. A pixel (px, py) is painted iff {@link #covers(int, int)}, which tests the pixel centre; the
 * box {@code [x, y, w, h]} is the tight integer bounding box of the painted pixels, so the
 * annotation is exact by construction and tests can check boxes against the pixels.
 */
public record ShapeInstance(ShapeClass shapeClass, double cx, double cy, double halfW, double halfH,
                            int red, int green, int blue, int x, int y, int w, int h) {

    /** True when the pixel (px, py) belongs to this shape (pixel-centre sampling). */
    public boolean covers(int px, int py) {
        double u = (px + 0.5 - cx) / halfW;
        double v = (py + 0.5 - cy) / halfH;
        return shapeClass.shape().contains(u, v);
    }

    /** The fill colour as packed 0xRRGGBB. */
    public int rgb() {
        return (red << 16) | (green << 8) | blue;
    }

    /** Right edge x + w (exclusive pixel bound). */
    public int x2() {
        return x + w;
    }

    /** Bottom edge y + h (exclusive pixel bound). */
    public int y2() {
        return y + h;
    }
}
