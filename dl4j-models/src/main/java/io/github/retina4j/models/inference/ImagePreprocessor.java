package io.github.retina4j.models.inference;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Turns {@link BufferedImage}s into a normalised, padded {@code [N, 3, H, W]} batch plus the
 * {@link ImageMeta} needed to map detections back (SPEC §2, §4: keep-ratio resize, RGB ImageNet
 * normalisation, zero padding on the right/bottom to the size divisor, padded value 0 after
 * normalisation as in mmdetection/torchvision). Resizing is bilinear (Java2D); resized sizes are
 * {@code round(side · scale)}. Stateless and thread-safe.
 */
public final class ImagePreprocessor {

    private final PreprocessConfig config;

    public ImagePreprocessor(PreprocessConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("preprocess config is required");
        }
        this.config = config;
    }

    public PreprocessConfig config() {
        return config;
    }

    /** A batch and the per-image transform metadata. */
    public record Batch(INDArray images, List<ImageMeta> metas) {
    }

    /** Preprocesses one image (image id 0). */
    public Batch preprocess(BufferedImage image) {
        return preprocess(List.of(image), new long[] {0});
    }

    /**
     * Preprocesses several images into one batch padded to the largest resized size.
     *
     * @param images   decoded images (any {@link BufferedImage} type; converted to RGB)
     * @param imageIds dataset ids carried into the results
     */
    public Batch preprocess(List<BufferedImage> images, long[] imageIds) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to preprocess");
        }
        if (imageIds.length != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + imageIds.length + " image ids");
        }
        int n = images.size();
        BufferedImage[] resized = new BufferedImage[n];
        ImageMeta[] metas = new ImageMeta[n];
        int maxH = 0, maxW = 0;
        for (int i = 0; i < n; i++) {
            BufferedImage img = images.get(i);
            if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
                throw new IllegalArgumentException("image " + i + " (id " + imageIds[i] + ") is empty or null");
            }
            double scale = config.scaleFor(img.getWidth(), img.getHeight());
            int w = Math.max(1, (int) Math.round(img.getWidth() * scale));
            int h = Math.max(1, (int) Math.round(img.getHeight() * scale));
            resized[i] = resize(img, w, h);
            // the actual per-axis factors after rounding, so that mapping back is exact
            metas[i] = new ImageMeta(imageIds[i], img.getWidth(), img.getHeight(), (double) w / img.getWidth(),
                    (double) h / img.getHeight(), false, w, h, 0, 0);
            maxH = Math.max(maxH, h);
            maxW = Math.max(maxW, w);
        }
        int ph = config.padded(maxH), pw = config.padded(maxW);
        float[] data = new float[n * 3 * ph * pw];
        double[] mean = config.mean(), std = config.std();
        int[] row = new int[maxW];
        for (int i = 0; i < n; i++) {
            BufferedImage img = resized[i];
            int w = img.getWidth(), h = img.getHeight();
            int base = i * 3 * ph * pw;
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x];
                    int o = base + y * pw + x;
                    data[o] = (float) ((((p >> 16) & 0xff) - mean[0]) / std[0]);
                    data[o + ph * pw] = (float) ((((p >> 8) & 0xff) - mean[1]) / std[1]);
                    data[o + 2 * ph * pw] = (float) (((p & 0xff) - mean[2]) / std[2]);
                }
            }
        }
        INDArray batch = Nd4j.create(data, new long[] {n, 3, ph, pw}, DataType.FLOAT);
        return new Batch(batch, List.of(metas));
    }

    /** Bilinear resize to RGB; a same-size image is only converted. */
    static BufferedImage resize(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
