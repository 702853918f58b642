package org.sparsa.runner.internal.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@value #FILE_NAME}: attention time against sequence length, both axes logarithmic, one line
 * per plugin and pass ({@code full fwd}, {@code nsa fwd+bwd}, …; a colour per plugin, the
 * forward solid, forward + backward dashed) and, with a baseline, one per pass of PyTorch's full
 * attention. On log-log axes a quadratic cost is a line of slope 2 and a
 * linear one a line of slope 1, so the growth reads off the picture. Drawn off-screen; needs
 * {@code java.awt.headless=true} on a machine without a display, which the launcher sets.
 */
public final class AttentionPlot {
    /** The image's file name in the output folder. */
    public static final String FILE_NAME = "bench-attention.png";
    private static final int WIDTH = 800;
    private static final int HEIGHT = 550;
    /** The time fields drawn, in legend order. */
    private static final List<String> PASSES = List.of("fwd_seconds", "fwd_bwd_seconds");
    private static final String FWD = "fwd";
    private static final String FWD_BWD = "fwd+bwd";
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728),
        new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b),
        new Color(0x17becf)};

    private AttentionPlot() {
    }

    /**
     * Draws the attention measurements of {@code measurements} and the baseline's (when given)
     * into {@code folder}/{@value #FILE_NAME}.
     *
     * @return the image's path, or null when there is no attention measurement to draw
     */
    public static Path write(List<Measurement> measurements, TorchBaseline baseline,
            Path folder) throws IOException {
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (Measurement m : measurements) {
            if ("attention".equals(m.bench())) {
                add(series, m.text(Measurement.PLUGIN) + " (" + m.text(Measurement.BACKEND)
                        + ")", m.fields());
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        if (baseline != null) {
            for (Map<String, Object> line : baseline.lines()) {
                if ("attention".equals(line.get(Measurement.BENCH))) {
                    add(series, "torch full", line);
                }
            }
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Attention time against sequence length").xAxisTitle("T (tokens)")
                .yAxisTitle("seconds").build();
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        // One colour per plugin (and for the baseline), solid for the forward, dashed for the
        // forward + backward, so that each plugin's two lines read as a pair.
        Map<String, Color> colours = new LinkedHashMap<>();
        for (Map.Entry<String, TreeMap<Double, Double>> entry : series.entrySet()) {
            double[] x = entry.getValue().keySet().stream().mapToDouble(Double::doubleValue)
                    .toArray();
            double[] y = entry.getValue().values().stream().mapToDouble(Double::doubleValue)
                    .toArray();
            String name = entry.getKey();
            boolean backward = name.endsWith(" " + FWD_BWD);
            String group = name.substring(0, name.lastIndexOf(' '));
            Color colour = colours.computeIfAbsent(group,
                    g -> PALETTE[colours.size() % PALETTE.length]);
            XYSeries drawn = chart.addSeries(name, x, y);
            drawn.setMarker(SeriesMarkers.CIRCLE);
            drawn.setLineColor(colour);
            drawn.setMarkerColor(colour);
            drawn.setLineStyle(backward ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
        }
        Path file = folder.resolve(FILE_NAME);
        Files.write(file, BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG));
        return file;
    }

    /** The times of one measurement's passes, each into the series of its name and pass. */
    private static void add(Map<String, TreeMap<Double, Double>> series, String name,
            Map<String, Object> fields) {
        if (!(fields.get("T") instanceof Number length)) {
            return;
        }
        for (String pass : PASSES) {
            // A log axis has no place for a time of zero.
            if (fields.get(pass) instanceof Number seconds && seconds.doubleValue() > 0) {
                String label = pass.equals("fwd_seconds") ? FWD : FWD_BWD;
                series.computeIfAbsent(name + " " + label, s -> new TreeMap<>())
                        .put(length.doubleValue(), seconds.doubleValue());
            }
        }
    }
}
