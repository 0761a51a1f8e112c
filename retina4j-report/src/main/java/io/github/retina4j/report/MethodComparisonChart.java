package io.github.retina4j.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Grouped bars of several metrics per method, each bar the mean over runs with an error bar (e.g. LVIS APr, APc, APf
 * per method with their standard deviations over seeds): the picture of an experiment's comparison.
 */
public final class MethodComparisonChart {

    /**
     * One metric across the methods.
     *
     * @param name   legend label
     * @param means  one value per method (NaN: no value, drawn as an empty bar)
     * @param errors half-length of each error bar (NaN: none)
     */
    public record Series(String name, double[] means, double[] errors) {
    }

    private MethodComparisonChart() {
    }

    public static CategoryChart chart(List<String> methods, List<Series> series, String title, String yAxisTitle) {
        if (methods.isEmpty() || series.isEmpty()) {
            throw new IllegalArgumentException("nothing to plot: " + methods.size() + " methods, " + series.size() + " series");
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(700, 110 * methods.size() + 200)).height(500)
                .title(title).xAxisTitle("method").yAxisTitle(yAxisTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisLabelRotation(methods.size() > 6 ? 30 : 0);
        Map<String, Series> unique = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.means().length != methods.size() || s.errors().length != methods.size()) {
                throw new IllegalArgumentException("series " + s.name() + ": " + s.means().length + " means and "
                        + s.errors().length + " errors for " + methods.size() + " methods");
            }
            if (unique.put(s.name(), s) != null) {
                throw new IllegalArgumentException("series " + s.name() + " given twice");
            }
        }
        for (Series s : unique.values()) {
            List<Double> y = new ArrayList<>();
            List<Double> e = new ArrayList<>();
            for (int i = 0; i < methods.size(); i++) {
                // XChart cannot draw NaN: an absent value is an empty bar without error bar
                y.add(Double.isFinite(s.means()[i]) ? s.means()[i] : 0.0);
                e.add(Double.isFinite(s.means()[i]) && Double.isFinite(s.errors()[i]) ? s.errors()[i] : 0.0);
            }
            chart.addSeries(s.name(), methods, y, e);
        }
        return chart;
    }

    public static void write(List<String> methods, List<Series> series, String title, String yAxisTitle, Path png) {
        Charts.savePng(chart(methods, series, title, yAxisTitle), png);
    }
}
