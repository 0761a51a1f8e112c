package io.github.retina4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.retina4j.coco.Frequency;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LongTailChartTest {

    @Test
    void writesAPngOfTheRequestedSizeWithOneSeriesPerGroup(@TempDir Path tmp) throws Exception {
        List<LongTailChart.Bar> bars = List.of(new LongTailChart.Bar("a", 40, Frequency.FREQUENT),
                new LongTailChart.Bar("b", 7, Frequency.COMMON), new LongTailChart.Bar("c", 1, Frequency.RARE));
        Path png = tmp.resolve("charts/longtail.png");
        LongTailChart.write(bars, 50, png, 640, 400);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        var series = LongTailChart.chart(bars, 50, 640, 400).getSeriesMap();
        assertEquals(3, series.size());
        // each bar is drawn in its own group's series only
        assertEquals(List.of(0, 0, 1), series.get("rare").getYData().stream().map(Number::intValue).toList());
        assertEquals(List.of(40, 0, 0), series.get("frequent").getYData().stream().map(Number::intValue).toList());
    }

    @Test
    void noCategoriesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> LongTailChart.chart(List.of(), 0, 10, 10));
    }
}
