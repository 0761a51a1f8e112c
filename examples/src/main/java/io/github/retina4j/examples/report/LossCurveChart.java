package io.github.retina4j.examples.report;

import io.github.retina4j.examples.training.LossPoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Training loss per iteration (and its moving average) as a PNG, with XChart. */
public final class LossCurveChart {

    /** Window of the smoothed curve, in iterations. */
    private static final int SMOOTHING_WINDOW = 20;

    private LossCurveChart() {
    }

    public static XYChart chart(List<LossPoint> history, String title) {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("no training iterations to plot");
        }
        double[] x = new double[history.size()];
        double[] y = new double[history.size()];
        double[] smooth = new double[history.size()];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = history.get(i).iteration();
            y[i] = history.get(i).loss();
            sum += y[i];
            if (i >= SMOOTHING_WINDOW) {
                sum -= y[i - SMOOTHING_WINDOW];
            }
            smooth[i] = sum / Math.min(i + 1, SMOOTHING_WINDOW);
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
                .xAxisTitle("iteration").yAxisTitle("loss (classification + box)").build();
        chart.getStyler().setMarkerSize(0);
        XYSeries raw = chart.addSeries("loss", x, y);
        raw.setMarker(SeriesMarkers.NONE);
        XYSeries avg = chart.addSeries("moving average (" + SMOOTHING_WINDOW + ")", x, smooth);
        avg.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    public static void write(List<LossPoint> history, String title, Path png) {
        save(chart(history, title), png);
    }

    static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) {
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + png + ": " + e.getMessage(), e);
        }
    }
}
