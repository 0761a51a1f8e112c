package io.github.retina4j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.retina4j.report.MethodComparisonChart.Series;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MethodComparisonChartTest {

    @Test
    void oneSeriesPerMetricWithErrorBarsAndEmptyBarsForMissingValues(@TempDir Path tmp) throws IOException {
        List<String> methods = List.of("focal", "efl", "libra");
        List<Series> series = List.of(new Series("APr", new double[] {1.5, 4.0, Double.NaN}, new double[] {0.5, Double.NaN, 1}),
                new Series("APc", new double[] {20, 22, 21}, new double[] {1, 2, 3}));
        var chart = MethodComparisonChart.chart(methods, series, "t", "AP (%)");
        assertEquals(List.of("APr", "APc"), List.copyOf(chart.getSeriesMap().keySet()));
        var apr = chart.getSeriesMap().get("APr");
        assertArrayEquals(new double[] {1.5, 4.0, 0.0}, apr.getYData().stream().mapToDouble(Number::doubleValue).toArray());
        assertArrayEquals(new double[] {0.5, 0.0, 0.0}, apr.getExtraValues().stream().mapToDouble(Number::doubleValue).toArray());
        Path png = tmp.resolve("c.png");
        MethodComparisonChart.write(methods, series, "t", "AP (%)", png);
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> MethodComparisonChart.chart(List.of("a", "b"),
                List.of(new Series("APr", new double[] {1}, new double[] {1})), "t", "AP"));
        assertThrows(IllegalArgumentException.class, () -> MethodComparisonChart.chart(List.of(), List.of(), "t", "AP"));
    }
}
