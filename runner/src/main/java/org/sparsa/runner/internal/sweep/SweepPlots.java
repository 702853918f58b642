package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A sweep's charts, drawn to PNG in memory: the metric against each swept key, mean with the
 * standard deviation over seeds as error bars and one line per combination of the other keys;
 * and learning curves, one chart per logged metric with one line per configuration (mean over
 * its seeds), so that arms such as sparse and full attention show side by side.
 */
final class SweepPlots {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    private SweepPlots() {
    }

    /**
     * One chart.
     *
     * @param fileName the PNG's name inside the sweep's {@code plots} folder
     * @param caption the chart's title and the image's alternative text
     */
    record Plot(String fileName, String caption, XYChart chart) {
        byte[] png() throws IOException {
            return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
        }
    }

    /** One configuration's place in a parameter chart. */
    record Point(String value, String series, Stats stats) {
    }

    /**
     * {@code metric} against swept key {@code key}. Values that all read as numbers make a
     * numeric axis (logarithmic when positive and spanning a factor of ten or more); any other
     * values are placed evenly in the order the sweep lists them.
     *
     * @param values the key's values in sweep order
     * @param points each configuration's value of the key, the others' values naming its line,
     *     and the metric's statistics
     */
    static Plot parameter(String key, String metric, List<String> values, List<Point> points) {
        boolean numeric = values.stream().allMatch(v -> number(v) != null);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(metric + " by " + key).xAxisTitle(key).yAxisTitle(metric).build();
        style(chart);
        Map<String, List<Point>> bySeries = new LinkedHashMap<>();
        for (Point p : points) {
            if (p.stats().n() > 0) {
                bySeries.computeIfAbsent(p.series(), s -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<String, List<Point>> series : bySeries.entrySet()) {
            List<Point> sorted = new ArrayList<>(series.getValue());
            sorted.sort(java.util.Comparator.comparingDouble(p -> numeric ? number(p.value())
                    : values.indexOf(p.value())));
            double[] x = new double[sorted.size()];
            double[] y = new double[sorted.size()];
            double[] error = new double[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                Point p = sorted.get(i);
                x[i] = numeric ? number(p.value()) : values.indexOf(p.value());
                y[i] = p.stats().mean();
                error[i] = Double.isNaN(p.stats().std()) ? 0 : p.stats().std();
            }
            XYSeries drawn = chart.addSeries(series.getKey().isEmpty() ? metric
                    : series.getKey(), x, y, error);
            drawn.setMarker(SeriesMarkers.CIRCLE);
        }
        if (numeric) {
            double min = values.stream().mapToDouble(v -> number(v)).min().orElse(1);
            double max = values.stream().mapToDouble(v -> number(v)).max().orElse(1);
            chart.getStyler().setXAxisLogarithmic(min > 0 && max / min >= 10);
        } else {
            // Text values sit at 0, 1, 2, …; the axis shows their names there and nothing
            // between.
            chart.getStyler().setXAxisMin(-0.5);
            chart.getStyler().setXAxisMax(values.size() - 0.5);
            chart.setCustomXAxisTickLabelsFormatter(x -> {
                long i = Math.round(x);
                return Math.abs(x - i) < 1e-9 && i >= 0 && i < values.size()
                        ? values.get((int) i) : " ";
            });
        }
        return new Plot(fileName("metric-by-" + key), metric + " by " + key, chart);
    }

    /** Learning curves of {@code metric}: a line per configuration, by global step. */
    static Plot curves(String metric, Map<String, TreeMap<Long, Double>> byConfiguration) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(metric + " by step").xAxisTitle("step").yAxisTitle(metric).build();
        style(chart);
        for (Map.Entry<String, TreeMap<Long, Double>> line : byConfiguration.entrySet()) {
            TreeMap<Long, Double> points = line.getValue();
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            int i = 0;
            for (Map.Entry<Long, Double> point : points.entrySet()) {
                x[i] = point.getKey();
                y[i] = point.getValue();
                i++;
            }
            XYSeries drawn = chart.addSeries(line.getKey().isEmpty() ? metric : line.getKey(),
                    x, y);
            // Sparse evaluation curves need their points marked; dense loss curves do not.
            drawn.setMarker(points.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return new Plot(fileName("curve-" + metric), metric + " by step", chart);
    }

    private static void style(XYChart chart) {
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setXAxisDecimalPattern("#,##0.####");
    }

    /** A file name for {@code name}: {@code eval/recall} gives {@code curve-eval-recall.png}. */
    static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9._=+-]", "-") + ".png";
    }

    private static Double number(String text) {
        try {
            double d = Double.parseDouble(text);
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
