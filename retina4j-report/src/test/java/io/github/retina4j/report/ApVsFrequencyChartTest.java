package io.github.retina4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.retina4j.report.ApVsFrequencyChart.ClassPoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApVsFrequencyChartTest {

    @Test
    void oneSeriesPerGroupSkippingClassesWithoutAp(@TempDir Path tmp) throws IOException {
        List<ClassPoint> pts = List.of(new ClassPoint("a", 150, 0.9, "frequent"), new ClassPoint("b", 40, 0.6, "common"),
                new ClassPoint("c", 2, 0.1, "rare"), new ClassPoint("d", 3, Double.NaN, "rare"),
                new ClassPoint("e", 0, 0.5, "rare"));
        var chart = ApVsFrequencyChart.chart(pts, "AP");
        assertEquals(3, chart.getSeriesMap().size());
        assertEquals(1, chart.getSeriesMap().get("rare (1)").getXData().length);
        Path png = tmp.resolve("ap.png");
        ApVsFrequencyChart.write(pts, "AP", png);
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void nothingToPlotIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> ApVsFrequencyChart.chart(List.of(new ClassPoint("x", 0, 0.5, "rare")), "t"));
    }
}
