package org.sparsa.runner.internal.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * A needle-in-a-haystack heat map: one stage's score in each cell of its evaluation grid,
 * needle depth by context length, the mean over the cell's examples, as the NSA paper draws
 * retrieval. It is read from the stage's last per-example evaluation file
 * ({@code stages/<stage>/eval/step-<N>.jsonl}), whose lines name their grid {@code cell}
 * ({@code {"length": …, "depth": …}}) when the task's evaluation set is a grid; a stage whose
 * lines name no cell has no heat map. The score is {@value #PREFERRED_METRIC} when the lines
 * carry it, else the first metric they carry.
 *
 * @param stage the stage whose evaluation it shows
 * @param step the stage's step of that evaluation
 * @param metric the score drawn
 * @param lengths the grid's context lengths, ascending
 * @param depths the grid's needle depths, ascending
 * @param scores {@code scores[d][l]}: the mean score at {@code depths[d]} and {@code lengths[l]},
 *     NaN where the evaluation scored no example of the cell
 * @param counts {@code counts[d][l]}: the examples the mean is over
 */
public record EvaluationHeatMap(String stage, long step, String metric, List<Integer> lengths,
        List<Double> depths, double[][] scores, int[][] counts) {
    /** The metric drawn when the evaluation reports it. */
    public static final String PREFERRED_METRIC = "exact_match";
    /** The image name of stage {@code s}'s heat map is this, then {@code s}, then ".png". */
    public static final String FILE_PREFIX = "heatmap-";

    private static final String CELL = "cell";
    private static final String INDEX = "index";
    private static final Pattern STEP_FILE = Pattern.compile("step-(\\d+)\\.jsonl");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    // Red for a needle never found, through yellow, to green for one always found, as the
    // papers' heat maps colour retrieval.
    private static final Color[] RANGE = {new Color(0xd7, 0x30, 0x27),
        new Color(0xfe, 0xe0, 0x8b), new Color(0x1a, 0x98, 0x50)};

    /** The image's file name inside the report's {@code plots} folder. */
    public String fileName() {
        return FILE_PREFIX + stage.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }

    /** What the heat map shows, its title and the image's alternative text. */
    public String caption() {
        return "Needle retrieval (" + metric + ") by depth and length, stage " + stage + " step "
                + step;
    }

    /**
     * The heat map of each stage of {@code runFolder} whose last evaluation is a grid, in the
     * order of {@code stageOrder} (the run's stages as its metrics name them), then any other
     * stage folder by name.
     *
     * @throws IOException when an evaluation file cannot be read or holds a line that is not
     *     JSON (the message names the file and line)
     */
    public static List<EvaluationHeatMap> of(Path runFolder, List<String> stageOrder)
            throws IOException {
        Path stages = runFolder.resolve("stages");
        if (!Files.isDirectory(stages)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> folders = Files.list(stages)) {
            folders.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted()
                    .forEach(names::add);
        }
        List<String> ordered = new ArrayList<>(stageOrder.stream().filter(names::contains)
                .distinct().toList());
        names.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
        List<EvaluationHeatMap> maps = new ArrayList<>();
        for (String stage : ordered) {
            Optional<Path> last = lastEvaluation(stages.resolve(stage).resolve("eval"));
            if (last.isPresent()) {
                read(stage, last.get()).ifPresent(maps::add);
            }
        }
        return maps;
    }

    /** The evaluation file of the highest step in {@code folder}, if any. */
    private static Optional<Path> lastEvaluation(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        Path best = null;
        long bestStep = -1;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher m = STEP_FILE.matcher(file.getFileName().toString());
                // Compared as numbers: a step past 999999 has more digits than the padding.
                if (m.matches() && Long.parseLong(m.group(1)) > bestStep) {
                    bestStep = Long.parseLong(m.group(1));
                    best = file;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The heat map of one evaluation file, or empty when none of its lines names a cell.
     * Lines without a cell, or without the chosen metric, add nothing.
     */
    static Optional<EvaluationHeatMap> read(String stage, Path file) throws IOException {
        Matcher m = STEP_FILE.matcher(file.getFileName().toString());
        long step = m.matches() ? Long.parseLong(m.group(1)) : -1;
        List<JsonNode> lines = new ArrayList<>();
        int number = 0;
        for (String text : Files.readAllLines(file)) {
            number++;
            if (text.isBlank()) {
                continue;
            }
            try {
                lines.add(JSON.readTree(text));
            } catch (JacksonException e) {
                throw new IOException(file + " line " + number + ": expected one JSON object"
                        + " of an evaluated example, " + e.getOriginalMessage(), e);
            }
        }
        List<JsonNode> celled = lines.stream().filter(l -> l.path(CELL).isObject()).toList();
        Optional<String> metric = metricOf(celled);
        if (celled.isEmpty() || metric.isEmpty()) {
            return Optional.empty();
        }
        TreeMap<Integer, Integer> lengthIndex = new TreeMap<>();
        TreeMap<Double, Integer> depthIndex = new TreeMap<>();
        for (JsonNode line : celled) {
            lengthIndex.put(line.get(CELL).path("length").asInt(), 0);
            depthIndex.put(line.get(CELL).path("depth").asDouble(), 0);
        }
        List<Integer> lengths = number(lengthIndex);
        List<Double> depths = number(depthIndex);
        double[][] sums = new double[depths.size()][lengths.size()];
        int[][] counts = new int[depths.size()][lengths.size()];
        for (JsonNode line : celled) {
            JsonNode value = line.get(metric.get());
            if (value == null || !value.isNumber()) {
                continue;
            }
            int d = depthIndex.get(line.get(CELL).path("depth").asDouble());
            int l = lengthIndex.get(line.get(CELL).path("length").asInt());
            sums[d][l] += value.asDouble();
            counts[d][l]++;
        }
        double[][] scores = new double[depths.size()][lengths.size()];
        for (int d = 0; d < depths.size(); d++) {
            for (int l = 0; l < lengths.size(); l++) {
                scores[d][l] = counts[d][l] == 0 ? Double.NaN : sums[d][l] / counts[d][l];
            }
        }
        return Optional.of(new EvaluationHeatMap(stage, step, metric.get(), lengths, depths,
                scores, counts));
    }

    /** Numbers each key of {@code index} by its rank and returns the keys in order. */
    private static <K> List<K> number(TreeMap<K, Integer> index) {
        List<K> keys = new ArrayList<>(index.keySet());
        for (int i = 0; i < keys.size(); i++) {
            index.put(keys.get(i), i);
        }
        return keys;
    }

    /** {@value #PREFERRED_METRIC} when a line has it, else the first numeric metric field. */
    private static Optional<String> metricOf(List<JsonNode> lines) {
        String first = null;
        for (JsonNode line : lines) {
            for (Iterator<Map.Entry<String, JsonNode>> it = line.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals(INDEX) || !field.getValue().isNumber()) {
                    continue;
                }
                if (field.getKey().equals(PREFERRED_METRIC)) {
                    return Optional.of(PREFERRED_METRIC);
                }
                if (first == null) {
                    first = field.getKey();
                }
            }
        }
        return Optional.ofNullable(first);
    }

    /**
     * The scores as a markdown table, a row per depth and a column per length, each cell the
     * mean to two decimals ("–" where no example was scored), then a line saying what they are.
     */
    public List<String> markdown() {
        List<String> out = new ArrayList<>();
        StringBuilder header = new StringBuilder("| depth \\ length |");
        StringBuilder rule = new StringBuilder("| ---: |");
        for (int length : lengths) {
            header.append(' ').append(length).append(" |");
            rule.append(" ---: |");
        }
        out.add(header.toString());
        out.add(rule.toString());
        for (int d = 0; d < depths.size(); d++) {
            StringBuilder row = new StringBuilder("| ").append(depthText(depths.get(d)))
                    .append(" |");
            for (int l = 0; l < lengths.size(); l++) {
                row.append(' ').append(Double.isNaN(scores[d][l]) ? "\u2013"
                        : String.format(Locale.ROOT, "%.2f", scores[d][l])).append(" |");
            }
            out.add(row.toString());
        }
        int fewest = Integer.MAX_VALUE;
        int most = 0;
        for (int[] row : counts) {
            for (int n : row) {
                fewest = Math.min(fewest, n);
                most = Math.max(most, n);
            }
        }
        out.add("");
        out.add("Mean `" + metric + "` of the examples of each cell (" + (fewest == most
                ? fewest + " a cell" : fewest + " to " + most + " a cell") + ") at the"
                + " evaluation of step " + step + "; depth 0 is the start of the context, 1 its"
                + " end; lengths in the task's unit (characters for the built-in tasks).");
        return out;
    }

    private static String depthText(double depth) {
        return depth == Math.rint(depth) ? Long.toString((long) depth)
                : Double.toString(depth);
    }

    /** The heat map drawn as a PNG image, depth down the side and length along the bottom. */
    public byte[] png() throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
                .title(caption()).xAxisTitle("context length").yAxisTitle("needle depth")
                .build();
        chart.getStyler().setRangeColors(RANGE);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(1);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0.00");
        // XChart puts the first row at the bottom; the rows go in reverse so that depth 0, the
        // start of the context, is at the top as in the papers' figures.
        int top = depths.size() - 1;
        List<Number[]> cells = new ArrayList<>();
        for (int d = 0; d < depths.size(); d++) {
            for (int l = 0; l < lengths.size(); l++) {
                // A cell nothing was scored in stays blank rather than reading as 0.
                if (!Double.isNaN(scores[d][l])) {
                    cells.add(new Number[] {l, top - d, scores[d][l]});
                }
            }
        }
        List<String> rows = new ArrayList<>();
        for (int d = top; d >= 0; d--) {
            rows.add(depthText(depths.get(d)));
        }
        chart.addSeries(metric, lengths.stream().map(String::valueOf).toList(), rows, cells);
        return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    }
}
