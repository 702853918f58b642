package org.sparsa.runner.internal.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How an attention plugin's time grows with the sequence length: the least-squares slope of
 * {@code log(seconds)} against {@code log(T)}. Full attention's cost is quadratic in {@code T}
 * (a slope near 2 once the {@code T^2} term dominates); NSA's and DSA's attention grows about
 * linearly (near 1) while their selection keeps a smaller quadratic term.
 */
public final class GrowthExponent {

    private GrowthExponent() {
    }

    /**
     * The slope for every plugin and time field of {@code measurements} ({@code attention}
     * only) that has at least two lengths, keyed {@code plugin} then field.
     */
    public static Map<String, Map<String, Double>> of(List<Measurement> measurements) {
        Map<String, Map<String, TreeMap<Double, Double>>> points = new LinkedHashMap<>();
        for (Measurement m : measurements) {
            Double length = m.number("T");
            if (!"attention".equals(m.bench()) || length == null) {
                continue;
            }
            for (String field : TorchBaseline.TIME_FIELDS) {
                Double seconds = m.number(field);
                if (seconds != null && seconds > 0) {
                    points.computeIfAbsent(m.text(Measurement.PLUGIN),
                            p -> new LinkedHashMap<>())
                            .computeIfAbsent(field, f -> new TreeMap<>()).put(length, seconds);
                }
            }
        }
        Map<String, Map<String, Double>> slopes = new LinkedHashMap<>();
        points.forEach((plugin, fields) -> fields.forEach((field, series) -> {
            if (series.size() >= 2) {
                slopes.computeIfAbsent(plugin, p -> new LinkedHashMap<>())
                        .put(field, slope(series));
            }
        }));
        return slopes;
    }

    /** The least-squares slope of {@code log y} against {@code log x}. */
    static double slope(Map<Double, Double> series) {
        int n = series.size();
        double sx = 0;
        double sy = 0;
        for (Map.Entry<Double, Double> point : series.entrySet()) {
            sx += Math.log(point.getKey());
            sy += Math.log(point.getValue());
        }
        double mx = sx / n;
        double my = sy / n;
        double sxy = 0;
        double sxx = 0;
        for (Map.Entry<Double, Double> point : series.entrySet()) {
            double dx = Math.log(point.getKey()) - mx;
            sxy += dx * (Math.log(point.getValue()) - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }
}
