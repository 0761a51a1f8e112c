package io.github.retina4j.data.transform;

/**
 * Keep-ratio resize geometry (mmcv {@code rescale_size} / mmdetection {@code Resize(keep_ratio=True)}):
 * factor s = min(longEdge / max(w, h), shortEdge / min(w, h)), new size = (round(w·s), round(h·s));
 * boxes are scaled by the per-axis factors newW / w and newH / h, exactly as mmdetection does.
 */
public final class KeepRatioResize {
    private KeepRatioResize() {
    }

    /** The resized (width, height) and per-axis scale factors of an image of size w × h. */
    public record Geometry(int width, int height, double scaleX, double scaleY) {
    }

    public static Geometry geometry(int w, int h, ImageScale scale) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + w + "x" + h);
        }
        double s = Math.min((double) scale.longEdge() / Math.max(w, h), (double) scale.shortEdge() / Math.min(w, h));
        int nw = Math.max(1, (int) (w * s + 0.5));
        int nh = Math.max(1, (int) (h * s + 0.5));
        return new Geometry(nw, nh, (double) nw / w, (double) nh / h);
    }

    /** Scales boxes (x1, y1, x2, y2 packed, 4 per box) in place. */
    public static void scaleBoxes(float[] boxes, double scaleX, double scaleY) {
        for (int i = 0; i < boxes.length; i += 4) {
            boxes[i] = (float) (boxes[i] * scaleX);
            boxes[i + 1] = (float) (boxes[i + 1] * scaleY);
            boxes[i + 2] = (float) (boxes[i + 2] * scaleX);
            boxes[i + 3] = (float) (boxes[i + 3] * scaleY);
        }
    }
}
