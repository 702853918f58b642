package org.sparsa.runner.internal.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The console table of one workload's measurements: a column per field (times with a unit),
 * and with a baseline, for each time field the baseline also has, its time
 * ({@code torch <field>}) and the ratio of the two ({@code ratio <field>}: the baseline's time
 * over Sparsa's, above 1 when Sparsa is faster).
 */
public final class BenchTable {

    private BenchTable() {
    }

    /**
     * The header and one row per measurement of {@code bench} in {@code measurements}.
     *
     * @param baseline the PyTorch measurements to join, or null
     * @return the rows, the header first; only the header when nothing was measured
     */
    public static List<String[]> rows(String bench, List<Measurement> measurements,
            TorchBaseline baseline) {
        List<Measurement> mine = measurements.stream().filter(m -> m.bench().equals(bench))
                .toList();
        Set<String> fields = new LinkedHashSet<>();
        for (Measurement m : mine) {
            fields.addAll(m.fields().keySet());
        }
        fields.remove(Measurement.BENCH);
        List<String> compared = new ArrayList<>();
        if (baseline != null) {
            for (String field : TorchBaseline.TIME_FIELDS) {
                if (fields.contains(field) && mine.stream().anyMatch(m -> baseline.match(m)
                        .filter(line -> line.get(field) != null).isPresent())) {
                    compared.add(field);
                }
            }
        }
        List<String> header = new ArrayList<>(fields);
        for (String field : compared) {
            header.add("torch " + field);
            header.add("ratio " + field);
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(header.toArray(String[]::new));
        for (Measurement m : mine) {
            List<String> row = new ArrayList<>();
            for (String field : fields) {
                row.add(cell(field, m.fields().get(field)));
            }
            Optional<Map<String, Object>> torch = baseline == null ? Optional.empty()
                    : baseline.match(m);
            for (String field : compared) {
                row.add(torch.map(line -> cell(field, line.get(field))).orElse("-"));
                Double ratio = torch.map(line -> TorchBaseline.speedRatio(m, line, field))
                        .orElse(null);
                row.add(ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio));
            }
            rows.add(row.toArray(String[]::new));
        }
        return rows;
    }

    /** {@code value} as the table shows field {@code field}: times with a unit, "-" for none. */
    public static String cell(String field, Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof Number n && TorchBaseline.TIME_FIELDS.contains(field)) {
            return time(n.doubleValue());
        }
        if (value instanceof Double || value instanceof Float) {
            double v = ((Number) value).doubleValue();
            return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                    : String.format(Locale.ROOT, "%.3g", v);
        }
        return value.toString();
    }

    /** {@code seconds} with three significant digits in s, ms or µs. */
    static String time(double seconds) {
        if (seconds >= 100) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds >= 1) {
            return String.format(Locale.ROOT, "%.3g s", seconds);
        }
        if (seconds >= 1e-3) {
            return String.format(Locale.ROOT, "%.3g ms", seconds * 1e3);
        }
        return String.format(Locale.ROOT, "%.3g \u00b5s", seconds * 1e6);
    }
}
