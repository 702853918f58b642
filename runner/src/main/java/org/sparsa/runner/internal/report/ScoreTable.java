package org.sparsa.runner.internal.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report's model × task table, the comparison DeepSeek-V3.2 draws between its specialists
 * and the generalist distilled from them: every {@code score/{model}/{task}/{metric}} metric a
 * stage logged (the {@code distill} stage logs its teachers' and its student's), one row per
 * model and one column per task and metric, the last value of each. The evaluation loss
 * columns come after the task's own metrics.
 */
final class ScoreTable {
    /** The prefix of the metrics the table is made of. */
    static final String PREFIX = "score/";
    private static final String LOSS = "loss";

    private ScoreTable() {}

    /** The table's markdown lines, header and separator first; empty when nothing was scored. */
    static List<String> markdown(List<MetricsLine> lines) {
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        Set<String> metrics = new LinkedHashSet<>();
        Set<String> losses = new LinkedHashSet<>();
        for (MetricsLine line : lines) {
            line.values().forEach((key, value) -> {
                if (!key.startsWith(PREFIX)) {
                    return;
                }
                String rest = key.substring(PREFIX.length());
                int slash = rest.indexOf('/');
                if (slash <= 0 || rest.indexOf('/', slash + 1) < 0) {
                    return;
                }
                String column = rest.substring(slash + 1);
                (column.endsWith("/" + LOSS) ? losses : metrics).add(column);
                rows.computeIfAbsent(rest.substring(0, slash), m -> new LinkedHashMap<>())
                        .put(column, value);
            });
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        List<String> columns = new ArrayList<>(metrics);
        columns.addAll(losses);
        List<String> out = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("model"));
        columns.forEach(c -> header.add(c.replace('/', ' ')));
        out.add(row(header));
        List<String> separator = new ArrayList<>(List.of("---"));
        columns.forEach(c -> separator.add("---:"));
        out.add(row(separator));
        rows.forEach((model, values) -> {
            List<String> cells = new ArrayList<>(List.of(model));
            for (String column : columns) {
                Double value = values.get(column);
                cells.add(value == null ? "-" : FinalMetricsTable.format(value));
            }
            out.add(row(cells));
        });
        return out;
    }

    private static String row(List<String> cells) {
        StringBuilder line = new StringBuilder("|");
        for (String cell : cells) {
            line.append(' ').append(cell.replace("|", "\\|")).append(" |");
        }
        return line.toString();
    }
}
