package org.sparsa.runner.internal.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's markdown table of where each stage ended: one row per stage, in the order the
 * stages first appear, with its kind, its step count and the last value of the training loss
 * and of every auxiliary loss and evaluation metric it logged.
 */
public final class FinalMetricsTable {
    private static final String LOSS = "loss";
    private static final MathContext FOUR_DIGITS = new MathContext(4);

    private FinalMetricsTable() {}

    /** The table's markdown lines, header and separator first; empty when nothing was logged. */
    static List<String> markdown(List<MetricsLine> lines) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Set<String> columns = new LinkedHashSet<>();
        for (MetricsLine line : lines) {
            Row row = rows.computeIfAbsent(line.stage(), stage -> new Row(line.kind()));
            if (!line.kind().isEmpty()) {
                row.kind = line.kind();
            }
            row.steps = Math.max(row.steps, line.stageStep());
            line.values().forEach((key, value) -> {
                if (isTableMetric(key)) {
                    columns.add(key);
                    // Later lines overwrite earlier ones: the last value is the stage's result.
                    row.last.put(key, value);
                }
            });
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        // The training loss leads; evaluation metrics follow in the order the log names them.
        List<String> metrics = new ArrayList<>();
        if (columns.remove(LOSS)) {
            metrics.add(LOSS);
        }
        metrics.addAll(columns);

        List<String> out = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("stage", "kind", "steps"));
        header.addAll(metrics);
        out.add(row(header));
        out.add(row(header.stream().map(h -> h.equals("stage") || h.equals("kind")
                ? "---" : "---:").toList()));
        rows.forEach((stage, row) -> {
            List<String> cells = new ArrayList<>();
            cells.add(stage);
            cells.add(row.kind);
            cells.add(row.steps >= 0 ? Long.toString(row.steps) : "-");
            for (String metric : metrics) {
                Double value = row.last.get(metric);
                cells.add(value == null ? "-" : format(value));
            }
            out.add(row(cells));
        });
        return out;
    }

    /**
     * {@code value} to four significant digits, without trailing zeros. Rounded from the
     * shortest decimal that reads back as the double, so 0.00012345 rounds up as it looks.
     */
    public static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return "0";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 1e-4 && magnitude < 1e6) {
            return BigDecimal.valueOf(value).round(FOUR_DIGITS).stripTrailingZeros()
                    .toPlainString();
        }
        // Learning rates and token counts read better as powers of ten than as long decimals.
        return String.format(Locale.ROOT, "%.3e", value);
    }

    private static boolean isTableMetric(String key) {
        return key.equals(LOSS) || key.startsWith(MetricsLine.AUX_PREFIX)
                || key.startsWith(MetricsLine.EVAL_PREFIX);
    }

    private static String row(List<String> cells) {
        StringBuilder line = new StringBuilder("|");
        for (String cell : cells) {
            // A pipe inside a stage name would split its cell.
            line.append(' ').append(cell.replace("|", "\\|")).append(" |");
        }
        return line.toString();
    }

    /** What the table knows of one stage while the log is read. */
    private static final class Row {
        String kind;
        long steps = -1;
        final Map<String, Double> last = new LinkedHashMap<>();

        Row(String kind) {
            this.kind = kind;
        }
    }
}
