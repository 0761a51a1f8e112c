package io.github.retina4j.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * Per-class AP against the class's training frequency (images containing it, log x axis), one series
 * per LVIS frequency group — the picture of a long-tail problem: rare classes lag behind.
 */
public final class ApVsFrequencyChart {

    /** One class: its name, training image count, AP (NaN when it has no validation instances) and group. */
    public record ClassPoint(String name, int trainImages, double ap, String group) {
    }

    private ApVsFrequencyChart() {
    }

    public static XYChart chart(List<ClassPoint> points, String title) {
        Map<String, List<ClassPoint>> byGroup = new LinkedHashMap<>();
        for (ClassPoint p : points) {
            if (p.trainImages() > 0 && Double.isFinite(p.ap())) {
                byGroup.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(p);
            }
        }
        if (byGroup.isEmpty()) {
            throw new IllegalArgumentException("no class has both training images and a finite AP to plot");
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
                .xAxisTitle("training images containing the class (log)").yAxisTitle("AP").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        for (Map.Entry<String, List<ClassPoint>> g : byGroup.entrySet()) {
            double[] x = g.getValue().stream().mapToDouble(ClassPoint::trainImages).toArray();
            double[] y = g.getValue().stream().mapToDouble(ClassPoint::ap).toArray();
            chart.addSeries(g.getKey() + " (" + x.length + ")", x, y);
        }
        return chart;
    }

    public static void write(List<ClassPoint> points, String title, Path png) {
        Charts.savePng(chart(points, title), png);
    }
}
