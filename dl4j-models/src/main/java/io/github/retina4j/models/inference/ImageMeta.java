package io.github.retina4j.models.inference;

/**
 * How one image of a batch was turned into network input, so that boxes can be mapped back
 * (SPEC §4 transforms: keep-ratio resize, optional horizontal flip, padding to a size divisor).
 * Network pixel = (original pixel · scale, flipped inside the valid area if {@code flipped}) + offset.
 *
 * @param imageId        dataset image id (for results records)
 * @param originalWidth  width of the image as read from disk
 * @param originalHeight height of the image as read from disk
 * @param scaleX         resize factor along x (network pixels per original pixel)
 * @param scaleY         resize factor along y (equal to scaleX for keep-ratio resizing)
 * @param flipped        whether the resized image was flipped horizontally
 * @param validWidth     width of the resized image inside the padded input
 * @param validHeight    height of the resized image inside the padded input
 * @param offsetX        left padding (0 when padding is on the right/bottom, the usual case)
 * @param offsetY        top padding
 */
public record ImageMeta(long imageId, int originalWidth, int originalHeight, double scaleX, double scaleY,
                        boolean flipped, int validWidth, int validHeight, int offsetX, int offsetY) {

    public ImageMeta {
        if (originalWidth <= 0 || originalHeight <= 0) {
            throw new IllegalArgumentException("image " + imageId + ": original size must be positive, got "
                    + originalWidth + "x" + originalHeight);
        }
        if (!(scaleX > 0) || !(scaleY > 0) || Double.isInfinite(scaleX) || Double.isInfinite(scaleY)) {
            throw new IllegalArgumentException("image " + imageId + ": scale must be positive and finite, got "
                    + scaleX + ", " + scaleY);
        }
        if (validWidth <= 0 || validHeight <= 0) {
            throw new IllegalArgumentException("image " + imageId + ": valid size must be positive, got "
                    + validWidth + "x" + validHeight);
        }
        if (offsetX < 0 || offsetY < 0) {
            throw new IllegalArgumentException("image " + imageId + ": offsets must be ≥ 0, got " + offsetX + ", " + offsetY);
        }
    }

    /** Keep-ratio resize by {@code scale}, no flip, padding on the right/bottom. */
    public static ImageMeta of(long imageId, int originalWidth, int originalHeight, double scale,
                               int validWidth, int validHeight) {
        return new ImageMeta(imageId, originalWidth, originalHeight, scale, scale, false, validWidth, validHeight, 0, 0);
    }

    /** The network input was the original image itself (no resize, flip or padding). */
    public static ImageMeta identity(long imageId, int width, int height) {
        return of(imageId, width, height, 1.0, width, height);
    }

    /** Same image, flipped horizontally. */
    public ImageMeta withFlipped(boolean f) {
        return new ImageMeta(imageId, originalWidth, originalHeight, scaleX, scaleY, f, validWidth, validHeight, offsetX, offsetY);
    }
}
