package io.github.retina4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.github.retina4j.report.DetectionPainter.DrawnBox;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectionPainterTest {

    @Test
    void drawsBoxesAtTheScaledPositions(@TempDir Path tmp) throws IOException {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB); // black
        DrawnBox det = new DrawnBox(10, 10, 30, 20, 3, "circle", 0.87);
        BufferedImage out = DetectionPainter.draw(img, List.of(DrawnBox.truth(40, 5, 60, 25, 1, "square")), List.of(det));
        assertEquals(64 * 12, out.getWidth()); // upscaled so that the short side is 384
        assertEquals(384, out.getHeight());
        // the right edge of the detection box (x = 30 → 360) has the class colour, the centre stays black
        assertEquals(DetectionPainter.classColour(3).getRGB() & 0xffffff, out.getRGB(360, 15 * 12) & 0xffffff);
        assertEquals(Color.BLACK.getRGB() & 0xffffff, out.getRGB(20 * 12, 15 * 12) & 0xffffff);
        // ground truth outline drawn somewhere on its left edge (x = 40 → 480)
        boolean any = false;
        for (int y = 5 * 12; y < 25 * 12; y++) any |= (out.getRGB(480, y) & 0xffffff) != 0;
        assertEquals(true, any);
        Path png = tmp.resolve("d.png");
        DetectionPainter.write(out, png);
        assertNotNull(ImageIO.read(png.toFile()));
        assertNotEquals(DetectionPainter.classColour(1), DetectionPainter.classColour(2));
    }
}
