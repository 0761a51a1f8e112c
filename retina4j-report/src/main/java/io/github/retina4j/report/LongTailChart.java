package io.github.retina4j.report;

import io.github.retina4j.coco.Frequency;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Images per category as a bar chart, sorted by count and coloured by LVIS frequency group: the long-tail
 * picture of the LVIS paper (Gupta et al. 2019, Fig. 5).
 */
public final class LongTailChart {

    /** One bar: a category, the number of training images containing it, and its frequency group. */
    public record Bar(String name, int images, Frequency group) {
    }

    private static final Color[] GROUP_COLORS = {new Color(214, 39, 40), new Color(255, 127, 14), new Color(31, 119, 180)};

    private LongTailChart() {
    }

    /** The chart of {@code bars}, drawn in the order given (callers pass them sorted by image count). */
    public static CategoryChart chart(List<Bar> bars, int numImages, int width, int height) {
        if (bars.isEmpty()) {
            throw new IllegalArgumentException("no categories to plot");
        }
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height)
                .title("Images per category (" + bars.size() + " categories, " + numImages + " images)")
                .xAxisTitle("category (sorted by image count)").yAxisTitle("images").build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisTicksVisible(bars.size() <= 40);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> names = bars.stream().map(Bar::name).toList();
        for (Frequency f : Frequency.values()) {
            List<Integer> y = bars.stream().map(b -> b.group() == f ? b.images() : 0).toList();
            chart.addSeries(f.name().toLowerCase(Locale.ROOT), names, y).setFillColor(GROUP_COLORS[f.ordinal()]);
        }
        return chart;
    }

    public static void write(List<Bar> bars, int numImages, Path png, int width, int height) {
        Charts.savePng(chart(bars, numImages, width, height), png);
    }
}
