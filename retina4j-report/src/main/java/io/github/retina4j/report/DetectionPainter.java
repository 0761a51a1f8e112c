package io.github.retina4j.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws boxes on an image with Java2D: ground truth as dashed white-on-black outlines, detections in a
 * per-class colour with "name score" labels. Boxes are (x1, y1, x2, y2) in the image's pixels.
 */
public final class DetectionPainter {

    /** A box to draw; {@code score} is NaN for ground truth. */
    public record DrawnBox(double x1, double y1, double x2, double y2, int classIndex, String label, double score) {
        public static DrawnBox truth(double x1, double y1, double x2, double y2, int classIndex, String label) {
            return new DrawnBox(x1, y1, x2, y2, classIndex, label, Double.NaN);
        }
    }

    /** Output images are upscaled to at least this size so that labels stay readable on small images. */
    private static final int MIN_SIDE = 384;
    private static final float[] DASH = {4f, 4f};

    private DetectionPainter() {
    }

    public static BufferedImage draw(BufferedImage image, List<DrawnBox> truth, List<DrawnBox> detections) {
        double scale = Math.max(1.0, (double) MIN_SIDE / Math.min(image.getWidth(), image.getHeight()));
        int w = (int) Math.round(image.getWidth() * scale);
        int h = (int) Math.round(image.getHeight() * scale);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.drawImage(image, 0, 0, w, h, null);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            for (DrawnBox b : truth) {
                rect(g, b, scale, Color.BLACK, new BasicStroke(3f));
                rect(g, b, scale, Color.WHITE, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASH, 0f));
            }
            for (DrawnBox b : detections) {
                Color c = classColour(b.classIndex());
                rect(g, b, scale, c, new BasicStroke(2f));
                String text = Double.isNaN(b.score()) ? b.label() : String.format("%s %.2f", b.label(), b.score());
                int tx = (int) Math.round(b.x1() * scale);
                int ty = (int) Math.round(b.y1() * scale);
                int tw = g.getFontMetrics().stringWidth(text) + 4;
                int th = g.getFontMetrics().getHeight();
                int top = Math.max(0, ty - th);
                g.setColor(c);
                g.fillRect(tx, top, tw, th);
                g.setColor(Color.BLACK);
                g.drawString(text, tx + 2, top + th - g.getFontMetrics().getDescent());
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    public static void write(BufferedImage image, Path png) {
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            if (!ImageIO.write(image, "png", png.toFile())) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    /** A distinct, bright colour per class (golden-angle hue walk). */
    static Color classColour(int classIndex) {
        float hue = (float) ((classIndex * 0.618033988749895) % 1.0);
        return Color.getHSBColor(hue, 0.75f, 1.0f);
    }

    private static void rect(Graphics2D g, DrawnBox b, double s, Color c, BasicStroke stroke) {
        g.setColor(c);
        g.setStroke(stroke);
        int x = (int) Math.round(b.x1() * s);
        int y = (int) Math.round(b.y1() * s);
        g.drawRect(x, y, (int) Math.round((b.x2() - b.x1()) * s), (int) Math.round((b.y2() - b.y1()) * s));
    }
}
