package org.sparsa.runner.internal.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-step auxiliary losses of a run ({@code aux/indexer_kl}, each summed over the layers by
 * the training loop) as chart series: one per stage and loss, so that a dense warm-up and the
 * sparse stage after it read side by side.
 */
final class AuxiliarySeries {

    private AuxiliarySeries() {
    }

    /** The series of every {@code aux/} metric in {@code lines}, named {@code stage: metric}. */
    static Map<String, TreeMap<Long, Double>> of(List<MetricsLine> lines) {
        Map<String, TreeMap<Long, Double>> series = new LinkedHashMap<>();
        for (MetricsLine line : lines) {
            line.values().forEach((key, value) -> {
                // A NaN point has no place on an axis; the table still shows it.
                if (key.startsWith(MetricsLine.AUX_PREFIX) && Double.isFinite(value)) {
                    series.computeIfAbsent(line.stage() + ": " + key, k -> new TreeMap<>())
                            .put(line.step(), value);
                }
            });
        }
        return series;
    }
}
