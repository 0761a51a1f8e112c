package io.github.retina4j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveChartTest {

    @Test
    void writesADecodablePngWithTheLossAndItsMovingAverage(@TempDir Path tmp) throws IOException {
        double[] it = new double[50];
        double[] loss = new double[50];
        for (int i = 0; i < 50; i++) {
            it[i] = i + 1;
            loss[i] = 2.0 / (i + 1);
        }
        Path png = tmp.resolve("sub/loss.png");
        LossCurveChart.write(it, loss, "loss", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(900, img.getWidth());
        var series = LossCurveChart.chart(it, loss, "t").getSeriesMap();
        assertEquals(2, series.size());
        assertArrayEquals(loss, series.get("loss").getYData());
        // the last moving-average point is the mean of the last 20 losses
        double mean = 0;
        for (int i = 30; i < 50; i++) mean += loss[i] / 20;
        double[] avg = series.values().stream().filter(s -> !s.getName().equals("loss")).findFirst().orElseThrow().getYData();
        assertEquals(mean, avg[49], 1e-12);
    }

    @Test
    void emptyOrMismatchedHistoryIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LossCurveChart.chart(new double[0], new double[0], "t"));
        assertThrows(IllegalArgumentException.class, () -> LossCurveChart.chart(new double[2], new double[1], "t"));
    }
}
