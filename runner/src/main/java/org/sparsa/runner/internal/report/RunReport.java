package org.sparsa.runner.internal.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * Writes a run's {@code report.md} when the run ends: its title, the caller's summary, a table
 * of each stage's final metrics and the plots of {@code plots/}, all drawn from the folder's
 * {@code metrics.jsonl}, and for each stage evaluated on a grid of lengths by needle depths its
 * heat map ({@link EvaluationHeatMap}), drawn from the stage's last per-example evaluation. The
 * report is written last and by rename, so it is either absent, the previous one, or complete,
 * and every plot it names is already in place.
 */
public final class RunReport {
    /** The report's file name inside a run folder. */
    public static final String FILE_NAME = "report.md";
    /** The folder, inside a run folder, that holds the report's images. */
    public static final String PLOTS_FOLDER = "plots";

    private RunReport() {}

    /**
     * Reads {@code runFolder/metrics.jsonl} and writes {@code runFolder/report.md} and
     * {@code runFolder/plots/*.png}, each through a temporary file and a rename, so that no
     * half-written report is ever left. A missing {@code metrics.jsonl} gives a report that says
     * no metrics were logged, because a run that failed early still deserves its summary.
     *
     * @param runFolder the run's folder
     * @param title the report's heading
     * @param summaryLines markdown texts, each shown as one bullet under the title
     * @return the written {@code report.md}
     * @throws IOException when {@code metrics.jsonl} holds a damaged line other than its last
     *     (the message names the file and line number), or a file cannot be written; no new
     *     report is written then
     */
    public static Path write(Path runFolder, String title, List<String> summaryLines)
            throws IOException {
        Path metrics = runFolder.resolve(MetricsReader.FILE_NAME);
        boolean logged = Files.exists(metrics);
        // Everything is read and drawn before anything is written, so a damaged log or a
        // failing chart leaves the folder as it was.
        List<MetricsLine> lines = MetricsReader.read(metrics);
        List<MetricsEvent> events = MetricsReader.readEvents(metrics);
        List<Plots.Plot> plots = Plots.of(lines, events);
        List<EvaluationHeatMap> heatMaps = EvaluationHeatMap.of(runFolder,
                lines.stream().map(MetricsLine::stage).distinct().toList());
        Map<String, byte[]> images = new LinkedHashMap<>();
        for (Plots.Plot plot : plots) {
            images.put(plot.fileName(), plot.png());
        }
        for (EvaluationHeatMap heatMap : heatMaps) {
            images.put(heatMap.fileName(), heatMap.png());
        }
        String markdown = markdown(title, summaryLines, lines, events, plots, logged);
        markdown = withHeatMaps(markdown, heatMaps);

        Path plotFolder = runFolder.resolve(PLOTS_FOLDER);
        if (!images.isEmpty()) {
            Files.createDirectories(plotFolder);
        }
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            DurableFiles.replace(plotFolder.resolve(image.getKey()), image.getValue());
        }
        Path report = runFolder.resolve(FILE_NAME);
        DurableFiles.replace(report, markdown.getBytes(StandardCharsets.UTF_8));
        removeStalePlots(plotFolder, images.keySet());
        return report;
    }

    private static String markdown(String title, List<String> summaryLines, List<MetricsLine> lines,
            List<MetricsEvent> events, List<Plots.Plot> plots, boolean logged) {
        List<String> out = new ArrayList<>();
        out.add("# " + oneLine(title));
        out.add("");
        if (!summaryLines.isEmpty()) {
            for (String line : summaryLines) {
                out.add("- " + oneLine(line));
            }
            out.add("");
        }
        out.add("## Final metrics");
        out.add("");
        List<String> table = FinalMetricsTable.markdown(lines);
        if (table.isEmpty()) {
            out.add(logged ? "No metrics were logged." : "No metrics were logged (there is no "
                    + MetricsReader.FILE_NAME + ").");
        } else {
            out.addAll(table);
        }
        out.add("");
        List<String> scores = ScoreTable.markdown(lines);
        if (!scores.isEmpty()) {
            out.add("## Scores by model and task");
            out.add("");
            out.addAll(scores);
            out.add("");
        }
        List<String> swaps = swapLines(events);
        if (!swaps.isEmpty()) {
            out.add("## Plugin swaps");
            out.add("");
            out.addAll(swaps);
            out.add("");
        }
        if (!plots.isEmpty()) {
            out.add("## Plots");
            out.add("");
            for (Plots.Plot plot : plots) {
                // Forward slashes whatever the platform: the link is markdown, not a file path.
                out.add("![" + plot.caption() + "](" + PLOTS_FOLDER + "/" + plot.fileName() + ")");
                out.add("");
            }
        }
        return String.join("\n", out).stripTrailing() + "\n";
    }

    /**
     * {@code markdown} followed by a section per heat map: its image and its table of scores,
     * for a stage evaluated on a grid of lengths by depths.
     */
    private static String withHeatMaps(String markdown, List<EvaluationHeatMap> heatMaps) {
        if (heatMaps.isEmpty()) {
            return markdown;
        }
        List<String> out = new ArrayList<>();
        out.add(markdown.stripTrailing());
        out.add("");
        for (EvaluationHeatMap heatMap : heatMaps) {
            out.add("## Needle heat map: " + heatMap.stage());
            out.add("");
            out.add("![" + heatMap.caption() + "](" + PLOTS_FOLDER + "/" + heatMap.fileName()
                    + ")");
            out.add("");
            out.addAll(heatMap.markdown());
            out.add("");
        }
        return String.join("\n", out).stripTrailing() + "\n";
    }

    /**
     * A bullet per plugin revision that took over or was refused during the run; the plots
     * mark the swaps at their steps.
     */
    private static List<String> swapLines(List<MetricsEvent> events) {
        List<String> out = new ArrayList<>();
        for (MetricsEvent event : events) {
            String what = "`" + event.field("plugin") + "` " + event.field("from") + " \u2192 "
                    + event.field("to");
            if (event.event().equals(MetricsEvent.PLUGIN_SWAP)) {
                out.add("- after step " + event.step() + ": " + what + " swapped in (layers "
                        + event.field("layers") + ")");
            } else if (event.event().equals(MetricsEvent.SWAP_REFUSED)) {
                out.add("- after step " + event.step() + ": " + what + " refused, the run kept "
                        + event.field("from") + ": " + oneLine(event.field("reason")));
            }
        }
        return out;
    }

    /** A line break inside a heading or bullet would end it and spill into the next block. */
    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /**
     * Removes images an earlier report of this folder drew that the new one does not, such as
     * an evaluation chart from before a rerun without evaluation.
     */
    private static void removeStalePlots(Path plotFolder, Set<String> drawn)
            throws IOException {
        for (String name : Plots.FILE_NAMES) {
            if (!drawn.contains(name)) {
                Files.deleteIfExists(plotFolder.resolve(name));
            }
        }
        if (!Files.isDirectory(plotFolder)) {
            return;
        }
        List<Path> heatMaps;
        try (var files = Files.list(plotFolder)) {
            heatMaps = files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(EvaluationHeatMap.FILE_PREFIX) && name.endsWith(".png")
                        && !drawn.contains(name);
            }).toList();
        }
        for (Path stale : heatMaps) {
            Files.deleteIfExists(stale);
        }
    }
}
