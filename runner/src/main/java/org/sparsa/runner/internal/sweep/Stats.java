package org.sparsa.runner.internal.sweep;

import java.util.Collection;
import org.sparsa.runner.internal.report.FinalMetricsTable;

/**
 * The mean and sample standard deviation of one metric over a configuration's seeds; values
 * that are not finite (a diverged run) are left out and not counted.
 *
 * @param n how many values there were
 * @param mean their mean, NaN when there were none
 * @param std their sample standard deviation, NaN when there were fewer than two
 */
record Stats(int n, double mean, double std) {

    static Stats of(Collection<Double> values) {
        int n = 0;
        double sum = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                sum += v;
            }
        }
        if (n == 0) {
            return new Stats(0, Double.NaN, Double.NaN);
        }
        double mean = sum / n;
        if (n < 2) {
            return new Stats(n, mean, Double.NaN);
        }
        double squares = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                squares += (v - mean) * (v - mean);
            }
        }
        return new Stats(n, mean, Math.sqrt(squares / (n - 1)));
    }

    /** {@code mean ± std}, the mean alone for one value, {@code -} for none. */
    String text() {
        if (n == 0) {
            return "-";
        }
        return n < 2 ? FinalMetricsTable.format(mean)
                : FinalMetricsTable.format(mean) + " ± " + FinalMetricsTable.format(std);
    }
}
