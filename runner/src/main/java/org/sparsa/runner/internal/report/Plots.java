package org.sparsa.runner.internal.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's line charts of metrics against the global step, drawn to PNG in memory:
 * training loss and learning rate with one series per stage, evaluation metrics with one series
 * per metric, evaluation loss with one series per stage, and the attention layers' auxiliary
 * losses ({@link AuxiliarySeries}) with one series per stage and loss, and an RL stage's rewards
 * and rollout accuracy ({@code reward/*}, {@code accuracy}) with one series per stage and metric.
 * A chart with no points is left out. Every chart marks each plugin swap of the run
 * ({@link MetricsEvent#PLUGIN_SWAP}) with a dashed vertical line at its step, labelled with the
 * plugin and its versions. Rendering draws into an off-screen image only, so it works on a machine without a
 * display as long as the JVM runs with {@code java.awt.headless=true}, which the launcher sets.
 */
final class Plots {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    static final String LOSS_PNG = "loss.png";
    static final String LR_PNG = "lr.png";
    static final String EVAL_PNG = "eval.png";
    static final String EVAL_LOSS_PNG = "eval-loss.png";
    static final String AUX_PNG = "aux-losses.png";
    static final String REWARDS_PNG = "rewards.png";
    /** Every image a report may hold. */
    static final Set<String> FILE_NAMES = Set.of(LOSS_PNG, LR_PNG, EVAL_PNG, EVAL_LOSS_PNG,
            AUX_PNG, REWARDS_PNG);

    // Above this many points a series is drawn as a bare line; below it each point gets a
    // marker, so that a sparse evaluation series, or one with a single point, stays visible.
    private static final int MAX_MARKED_POINTS = 40;
    // Values all smaller than this are drawn scaled; see add().
    private static final double SCALE_BELOW = 0.01;

    private static final String LOSS = "loss";
    private static final String LR = "lr";
    private static final String EVAL_LOSS = "eval/loss";
    private static final String REWARD_PREFIX = "reward/";
    private static final String ACCURACY = "accuracy";
    private static final String REWARD_STD = "reward/std";
    private static final Color SWAP_COLOR = new Color(0x80, 0x30, 0xa0);

    /**
     * One chart of the report.
     *
     * @param fileName the PNG's file name inside the report's {@code plots} folder
     * @param caption what the chart shows, its title and the image's alternative text
     * @param chart the chart, ready to draw
     * @param marks the labels of the swap markers drawn on it, in step order
     */
    record Plot(String fileName, String caption, XYChart chart, List<String> marks) {
        /** The chart drawn as a PNG image. */
        byte[] png() throws IOException {
            return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
        }
    }

    private Plots() {}

    /** The charts {@code lines} has points for, in the order the report shows them. */
    static List<Plot> of(List<MetricsLine> lines) {
        return of(lines, List.of());
    }

    /**
     * The charts {@code lines} has points for, in the order the report shows them, each marking
     * the plugin swaps among {@code events}.
     */
    static List<Plot> of(List<MetricsLine> lines, List<MetricsEvent> events) {
        TreeMap<Long, String> swaps = new TreeMap<>();
        for (MetricsEvent event : events) {
            if (event.event().equals(MetricsEvent.PLUGIN_SWAP)) {
                // Two swaps after one step share a marker.
                swaps.merge(event.step(), event.field("plugin") + " " + event.field("from")
                        + "\u2192" + event.field("to"), (a, b) -> a + ", " + b);
            }
        }
        List<Plot> plots = new ArrayList<>();
        add(plots, swaps, LOSS_PNG, "Training loss", LOSS,
                seriesByStage(lines, LOSS), false);
        add(plots, swaps, LR_PNG, "Learning rate", LR,
                seriesByStage(lines, LR), false);
        Map<String, TreeMap<Long, Double>> eval = evalSeriesByMetric(lines);
        // One metric names its axis; several are told apart by the legend.
        String evalTitle = eval.size() == 1 ? eval.keySet().iterator().next() : "value";
        add(plots, swaps, EVAL_PNG, "Evaluation metrics", evalTitle, eval, true);
        add(plots, swaps, EVAL_LOSS_PNG, "Evaluation loss", EVAL_LOSS,
                seriesByStage(lines, EVAL_LOSS), false);
        add(plots, swaps, AUX_PNG, "Auxiliary losses", "loss", AuxiliarySeries.of(lines), false);
        add(plots, swaps, REWARDS_PNG, "Rewards and rollout accuracy", "value",
                rewardSeries(lines), true);
        return plots;
    }

    /**
     * The per-step rewards of RL stages (their mean and each reward model's, not the spread)
     * and the accuracy of their rollouts, a series per stage and metric.
     */
    private static Map<String, TreeMap<Long, Double>> rewardSeries(List<MetricsLine> lines) {
        Map<String, TreeMap<Long, Double>> series = new LinkedHashMap<>();
        for (MetricsLine line : lines) {
            line.values().forEach((key, value) -> {
                if ((key.startsWith(REWARD_PREFIX) && !key.equals(REWARD_STD))
                        || key.equals(ACCURACY)) {
                    put(series, line.stage() + ": " + key, line.step(), value);
                }
            });
        }
        return series;
    }

    /** Every evaluation metric but the loss, each its own series named by its key. */
    private static Map<String, TreeMap<Long, Double>> evalSeriesByMetric(List<MetricsLine> lines) {
        Map<String, TreeMap<Long, Double>> series = new LinkedHashMap<>();
        for (MetricsLine line : lines) {
            line.values().forEach((key, value) -> {
                if (key.startsWith(MetricsLine.EVAL_PREFIX) && !key.equals(EVAL_LOSS)) {
                    put(series, key, line.step(), value);
                }
            });
        }
        return series;
    }

    /** The values of {@code key}, a series per stage named by the stage. */
    private static Map<String, TreeMap<Long, Double>> seriesByStage(List<MetricsLine> lines,
            String key) {
        Map<String, TreeMap<Long, Double>> series = new LinkedHashMap<>();
        for (MetricsLine line : lines) {
            Double value = line.values().get(key);
            if (value != null) {
                put(series, line.stage(), line.step(), value);
            }
        }
        return series;
    }

    private static void put(Map<String, TreeMap<Long, Double>> series, String name, long step,
            double value) {
        // A NaN or infinite point has no place on an axis; the table still shows it.
        if (!Double.isFinite(value)) {
            return;
        }
        // Keyed by step, so that steps logged again after a resume replace the earlier values
        // instead of drawing the line back over itself.
        series.computeIfAbsent(name, n -> new TreeMap<>()).put(step, value);
    }

    private static void add(List<Plot> plots, TreeMap<Long, String> swaps, String fileName,
            String caption, String yTitle, Map<String, TreeMap<Long, Double>> series,
            boolean unitRangeWhenFits) {
        series.values().removeIf(Map::isEmpty);
        if (series.isEmpty()) {
            return;
        }
        List<Double> all = series.values().stream().flatMap(p -> p.values().stream()).toList();
        boolean unitRange = unitRangeWhenFits && all.stream().allMatch(v -> v >= 0 && v <= 1);
        double maxMagnitude = all.stream().mapToDouble(Math::abs).max().orElse(0);
        // XChart takes values whose neighbours differ by less than 1e-4 for evenly spaced and
        // puts a tick on every one of them, which turns the axis of a learning rate into a
        // smear of labels. Small values are therefore drawn scaled into [1, 10), and the axis
        // title says by how much.
        int exponent = 0;
        if (!unitRange && maxMagnitude > 0 && maxMagnitude < SCALE_BELOW) {
            exponent = (int) Math.floor(Math.log10(maxMagnitude));
        }
        double scale = Math.pow(10, -exponent);

        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(caption)
                .xAxisTitle("step")
                .yAxisTitle(exponent == 0 ? yTitle : yTitle + " (\u00d71e" + exponent + ")")
                .build();
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setXAxisDecimalPattern("#,##0.##");
        for (Map.Entry<String, TreeMap<Long, Double>> entry : series.entrySet()) {
            TreeMap<Long, Double> points = entry.getValue();
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            int i = 0;
            for (Map.Entry<Long, Double> point : points.entrySet()) {
                x[i] = point.getKey();
                y[i] = point.getValue() * scale;
                i++;
            }
            XYSeries drawn = chart.addSeries(entry.getKey(), x, y);
            drawn.setMarker(points.size() > MAX_MARKED_POINTS ? SeriesMarkers.NONE
                    : SeriesMarkers.CIRCLE);
        }
        if (unitRange) {
            // Rates such as recall and exact match read against their whole range.
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setYAxisMax(1.0);
        }
        List<String> marks = markSwaps(chart, swaps, all.stream()
                .mapToDouble(v -> v * scale).max().orElse(0), unitRange);
        plots.add(new Plot(fileName, caption, chart, marks));
    }

    /**
     * Draws a dashed vertical line at each swap's step, labelled near the top of the chart:
     * the points right of it were trained with the new revision.
     */
    private static List<String> markSwaps(XYChart chart, TreeMap<Long, String> swaps,
            double top, boolean unitRange) {
        if (swaps.isEmpty()) {
            return List.of();
        }
        chart.getStyler().setAnnotationLineColor(SWAP_COLOR);
        chart.getStyler().setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        chart.getStyler().setAnnotationTextFontColor(SWAP_COLOR);
        List<String> marks = new ArrayList<>();
        for (Map.Entry<Long, String> swap : swaps.entrySet()) {
            String label = "swap " + swap.getValue();
            chart.addAnnotation(new AnnotationLine(swap.getKey(), true, false));
            chart.addAnnotation(new AnnotationText(rightOfCentre(chart, label), swap.getKey(),
                    unitRange ? 1.0 : top, false));
            marks.add(label);
        }
        return marks;
    }

    /**
     * {@code label} preceded by spaces half as wide as itself: XChart centres the visible part
     * of a text on its x but draws it after its leading spaces, so they move the label from
     * across the marker line to just right of it.
     */
    private static String rightOfCentre(XYChart chart, String label) {
        Graphics2D graphics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB)
                .createGraphics();
        try {
            FontMetrics metrics = graphics.getFontMetrics(
                    chart.getStyler().getAnnotationTextFont());
            int spaces = (int) Math.ceil(metrics.stringWidth(label) / 2.0
                    / Math.max(1, metrics.charWidth(' '))) + 1;
            return " ".repeat(spaces) + label;
        } finally {
            graphics.dispose();
        }
    }
}
