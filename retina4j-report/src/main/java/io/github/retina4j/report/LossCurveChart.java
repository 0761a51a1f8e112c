package io.github.retina4j.report;

import java.nio.file.Path;
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

    /** The loss per iteration and its moving average; {@code iterations} and {@code losses} are parallel. */
    public static XYChart chart(double[] iterations, double[] losses, String title) {
        if (iterations.length == 0 || iterations.length != losses.length) {
            throw new IllegalArgumentException("loss curve: need as many losses as iterations (and at least one), got "
                    + iterations.length + " iterations and " + losses.length + " losses");
        }
        double[] x = iterations;
        double[] y = losses;
        double[] smooth = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
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

    public static void write(double[] iterations, double[] losses, String title, Path png) {
        Charts.savePng(chart(iterations, losses, title), png);
    }
}
