package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.runner.internal.report.EvaluationHeatMap;
import org.sparsa.runner.internal.report.MetricsLine;
import org.sparsa.runner.internal.report.MetricsReader;
import org.sparsa.runner.internal.report.RunReport;

/**
 * Aggregates a sweep folder: one row per configuration with the mean ± standard deviation over
 * its finished seeds of the sweep's metric and of every other final metric, the best
 * configuration by the sweep's goal marked, in {@code results.csv} and {@code results.md}, and
 * the charts of {@link SweepPlots} in {@code plots/}; a trial evaluated on a grid of lengths by
 * needle depths adds its heat maps to {@code results.md}. Everything is read and drawn before
 * anything is written, and each file is written by rename, so the results are either the
 * previous ones or complete.
 */
public final class SweepAggregate {
    public static final String CSV = "results.csv";
    public static final String MARKDOWN = "results.md";
    public static final String PLOTS = "plots";

    private static final String LOSS = "loss";

    private SweepAggregate() {
    }

    /** What one configuration came to. */
    private record Row(String configuration, Map<String, String> parameters, int trials,
            List<Trial> finished, Map<String, Stats> stats) {
    }

    /**
     * Aggregates the sweep in {@code dir}; trials that have not finished are counted but add no
     * values.
     *
     * @return the written {@code results.md}
     * @throws IllegalArgumentException when {@code dir} is not a sweep folder
     * @throws IOException when a result or metrics file is damaged (the message names it) or a
     *     file cannot be written
     */
    public static Path write(Path dir) throws IOException {
        SweepManifest manifest = SweepManifest.read(dir);
        SweepFolder folder = new SweepFolder(dir);
        Map<String, List<Trial>> byConfiguration = new LinkedHashMap<>();
        for (Trial trial : manifest.trials()) {
            byConfiguration.computeIfAbsent(trial.configuration(), c -> new ArrayList<>())
                    .add(trial);
        }
        Map<Trial, Map<String, Double>> results = new LinkedHashMap<>();
        Set<String> metrics = new LinkedHashSet<>();
        metrics.add(manifest.metric());
        for (Trial trial : manifest.trials()) {
            if (folder.finished(trial)) {
                Map<String, Double> values = TrialResult.metrics(folder.result(trial));
                results.put(trial, values);
                metrics.addAll(values.keySet());
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<Trial>> c : byConfiguration.entrySet()) {
            List<Trial> finished = c.getValue().stream().filter(results::containsKey).toList();
            Map<String, Stats> stats = new LinkedHashMap<>();
            for (String metric : metrics) {
                stats.put(metric, Stats.of(finished.stream().map(t -> results.get(t)
                        .getOrDefault(metric, Double.NaN)).toList()));
            }
            rows.add(new Row(c.getKey(), c.getValue().get(0).parameters(), c.getValue().size(),
                    finished, stats));
        }
        int best = best(rows, manifest.metric(), manifest.maximise());

        List<SweepPlots.Plot> plots = new ArrayList<>();
        for (String key : manifest.parameterKeys()) {
            plots.add(parameterPlot(manifest, rows, key));
        }
        for (Map.Entry<String, Map<String, TreeMap<Long, Double>>> curve
                : curves(folder, rows).entrySet()) {
            plots.add(SweepPlots.curves(curve.getKey(), curve.getValue()));
        }
        Map<String, byte[]> images = new LinkedHashMap<>();
        for (SweepPlots.Plot plot : plots) {
            images.put(plot.fileName(), plot.png());
        }
        String csv = csv(manifest, rows, metrics);
        String markdown = markdown(manifest, rows, metrics, best, plots, results.size())
                + heatMaps(folder, rows);

        if (!images.isEmpty()) {
            Files.createDirectories(dir.resolve(PLOTS));
        }
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            DurableFiles.replace(dir.resolve(PLOTS).resolve(image.getKey()), image.getValue());
        }
        DurableFiles.replace(dir.resolve(CSV), csv.getBytes(StandardCharsets.UTF_8));
        Path md = dir.resolve(MARKDOWN);
        DurableFiles.replace(md, markdown.getBytes(StandardCharsets.UTF_8));
        return md;
    }

    /** The row with the best mean of {@code metric}, or -1 when no row has a value. */
    private static int best(List<Row> rows, String metric, boolean maximise) {
        int best = -1;
        for (int i = 0; i < rows.size(); i++) {
            Stats s = rows.get(i).stats().get(metric);
            if (s.n() == 0) {
                continue;
            }
            double mean = s.mean();
            if (best < 0 || (maximise ? mean > rows.get(best).stats().get(metric).mean()
                    : mean < rows.get(best).stats().get(metric).mean())) {
                best = i;
            }
        }
        return best;
    }

    private static SweepPlots.Plot parameterPlot(SweepManifest manifest, List<Row> rows,
            String key) {
        List<String> values = new ArrayList<>();
        List<SweepPlots.Point> points = new ArrayList<>();
        for (Row row : rows) {
            String value = row.parameters().get(key);
            if (!values.contains(value)) {
                values.add(value);
            }
            List<String> others = new ArrayList<>();
            row.parameters().forEach((k, v) -> {
                if (!k.equals(key)) {
                    others.add(TrialExpander.shortKeys(manifest.parameterKeys()).get(k) + "="
                            + v);
                }
            });
            points.add(new SweepPlots.Point(value, String.join(",", others),
                    row.stats().get(manifest.metric())));
        }
        return SweepPlots.parameter(key, manifest.metric(), values, points);
    }

    /**
     * The training loss and every evaluation metric of the finished trials' logs, each as one
     * line per configuration: at each step, the mean over the seeds that logged it.
     */
    private static Map<String, Map<String, TreeMap<Long, Double>>> curves(SweepFolder folder,
            List<Row> rows) throws IOException {
        Map<String, Map<String, TreeMap<Long, double[]>>> sums = new TreeMap<>((a, b) ->
                a.equals(b) ? 0 : a.equals(LOSS) ? -1 : b.equals(LOSS) ? 1 : a.compareTo(b));
        for (Row row : rows) {
            for (Trial trial : row.finished()) {
                List<MetricsLine> lines = MetricsReader.read(folder.trial(trial)
                        .resolve(MetricsReader.FILE_NAME));
                for (MetricsLine line : lines) {
                    line.values().forEach((key, value) -> {
                        if ((key.equals(LOSS) || key.startsWith(MetricsLine.EVAL_PREFIX))
                                && Double.isFinite(value)) {
                            double[] sum = sums.computeIfAbsent(key, k -> new LinkedHashMap<>())
                                    .computeIfAbsent(row.configuration(), c -> new TreeMap<>())
                                    .computeIfAbsent(line.step(), s -> new double[2]);
                            sum[0] += value;
                            sum[1]++;
                        }
                    });
                }
            }
        }
        Map<String, Map<String, TreeMap<Long, Double>>> out = new LinkedHashMap<>();
        sums.forEach((metric, byConfiguration) -> {
            Map<String, TreeMap<Long, Double>> lines = new LinkedHashMap<>();
            byConfiguration.forEach((configuration, points) -> {
                TreeMap<Long, Double> means = new TreeMap<>();
                points.forEach((step, sum) -> means.put(step, sum[0] / sum[1]));
                lines.put(configuration, means);
            });
            out.put(metric, lines);
        });
        return out;
    }

    private static String csv(SweepManifest manifest, List<Row> rows, Set<String> metrics) {
        List<String> header = new ArrayList<>(List.of("configuration"));
        header.addAll(manifest.parameterKeys());
        header.add("runs");
        header.add("trials");
        for (String metric : metrics) {
            header.add(metric + "_mean");
            header.add(metric + "_std");
        }
        StringBuilder out = new StringBuilder(csvLine(header));
        for (Row row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.configuration()));
            for (String key : manifest.parameterKeys()) {
                cells.add(row.parameters().getOrDefault(key, ""));
            }
            cells.add(Integer.toString(row.finished().size()));
            cells.add(Integer.toString(row.trials()));
            for (String metric : metrics) {
                Stats s = row.stats().get(metric);
                // Full precision: the file is for further analysis, not for reading.
                cells.add(s.n() == 0 ? "" : Double.toString(s.mean()));
                cells.add(s.n() < 2 ? "" : Double.toString(s.std()));
            }
            out.append(csvLine(cells));
        }
        return out.toString();
    }

    private static String csvLine(List<String> cells) {
        List<String> quoted = new ArrayList<>();
        for (String cell : cells) {
            quoted.add(cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                    ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell);
        }
        return String.join(",", quoted) + "\n";
    }

    private static String markdown(SweepManifest manifest, List<Row> rows, Set<String> metrics,
            int best, List<SweepPlots.Plot> plots, int finished) {
        List<String> out = new ArrayList<>();
        out.add("# Sweep " + manifest.name());
        out.add("");
        out.add("- recipe: `" + manifest.recipe() + "`" + (manifest.overrides().isEmpty() ? ""
                : " with " + String.join(" ", manifest.overrides().stream()
                        .map(o -> "`" + o + "`").toList())));
        out.add("- trials finished: " + finished + " of " + manifest.trials().size());
        out.add("- ranked by `" + manifest.metric() + "` (" + manifest.goal() + "imum is best; "
                + "mean ± standard deviation over seeds)");
        out.add("- best: " + (best < 0 ? "none yet (no finished trial has " + manifest.metric()
                + ")" : "**" + rows.get(best).configuration() + "**"));
        out.add("");
        out.add("## Results");
        out.add("");
        List<String> header = new ArrayList<>(List.of("configuration"));
        header.addAll(manifest.parameterKeys());
        header.add("runs");
        for (String metric : metrics) {
            header.add(metric.equals(manifest.metric()) ? metric + " (" + manifest.goal() + ")"
                    : metric);
        }
        out.add(tableLine(header));
        List<String> rule = new ArrayList<>();
        for (String h : header) {
            rule.add(rule.size() < 1 + manifest.parameterKeys().size() ? "---" : "---:");
        }
        out.add(tableLine(rule));
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            List<String> cells = new ArrayList<>();
            cells.add(i == best ? "**" + row.configuration() + "** (best)"
                    : row.configuration());
            for (String key : manifest.parameterKeys()) {
                cells.add(row.parameters().getOrDefault(key, ""));
            }
            cells.add(row.finished().size() + "/" + row.trials());
            for (String metric : metrics) {
                cells.add(row.stats().get(metric).text());
            }
            out.add(tableLine(cells));
        }
        out.add("");
        if (!plots.isEmpty()) {
            out.add("## Plots");
            out.add("");
            for (SweepPlots.Plot plot : plots) {
                out.add("![" + plot.caption() + "](" + PLOTS + "/" + plot.fileName() + ")");
                out.add("");
            }
        }
        return String.join("\n", out).stripTrailing() + "\n";
    }

    /**
     * A section per finished trial evaluated on a grid of lengths by needle depths: its heat
     * maps ({@link EvaluationHeatMap}), each as the image the trial's report drew (when it drew
     * one) and its table of scores, so that arms such as sparse and full attention compare cell
     * by cell. Empty when no trial has a grid.
     */
    private static String heatMaps(SweepFolder folder, List<Row> rows) throws IOException {
        List<String> out = new ArrayList<>();
        for (Row row : rows) {
            for (Trial trial : row.finished()) {
                Path dir = folder.trial(trial);
                List<String> stages = MetricsReader.read(dir.resolve(MetricsReader.FILE_NAME))
                        .stream().map(MetricsLine::stage).distinct().toList();
                for (EvaluationHeatMap heatMap : EvaluationHeatMap.of(dir, stages)) {
                    out.add("## Heat map: " + row.configuration() + " (trial " + trial.name()
                            + ", stage " + heatMap.stage() + ")");
                    out.add("");
                    Path image = dir.resolve(RunReport.PLOTS_FOLDER).resolve(heatMap.fileName());
                    if (Files.isRegularFile(image)) {
                        // Forward slashes whatever the platform: the link is markdown.
                        out.add("![" + heatMap.caption() + "](" + SweepFolder.TRIALS + "/"
                                + trial.name() + "/" + RunReport.PLOTS_FOLDER + "/"
                                + heatMap.fileName() + ")");
                        out.add("");
                    }
                    out.addAll(heatMap.markdown());
                    out.add("");
                }
            }
        }
        return out.isEmpty() ? "" : "\n" + String.join("\n", out).stripTrailing() + "\n";
    }

    private static String tableLine(List<String> cells) {
        StringBuilder line = new StringBuilder("|");
        for (String cell : cells) {
            line.append(' ').append(cell.replace("|", "\\|")).append(" |");
        }
        return line.toString();
    }
}
