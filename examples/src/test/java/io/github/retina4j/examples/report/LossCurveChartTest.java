package io.github.retina4j.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.retina4j.examples.training.LossPoint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveChartTest {

    @Test
    void writesADecodablePng(@TempDir Path tmp) throws IOException {
        List<LossPoint> h = new ArrayList<>();
        for (int i = 1; i <= 50; i++) h.add(new LossPoint(i, 0, 2.0 / i, 0.01, 10, 1));
        Path png = tmp.resolve("sub/loss.png");
        LossCurveChart.write(h, "loss", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(900, img.getWidth());
        assertEquals(2, LossCurveChart.chart(h, "t").getSeriesMap().size());
        assertEquals(0.04, LossCurveChart.chart(h, "t").getSeriesMap().get("loss").getYData()[49], 1e-12);
    }

    @Test
    void emptyHistoryIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LossCurveChart.chart(List.of(), "t"));
    }
}
