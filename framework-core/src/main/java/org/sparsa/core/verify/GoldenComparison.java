package org.sparsa.core.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares what an op computed with what a golden case expects: every {@code out.*} and
 * {@code grad.*} tensor, value by value. A float passes when
 * {@code |got - want| <= atol + rtol * |want|}; infinite expected values and integers must match
 * exactly; NaN never passes.
 */
public final class GoldenComparison {

    private GoldenComparison() {
    }

    /** One check per expected tensor, in file order. */
    public static List<TensorCheck> compare(GoldenCase goldenCase, GoldenOutputs got) {
        List<TensorCheck> checks = new ArrayList<>();
        for (var entry : goldenCase.entries()) {
            String name = entry.name();
            if (!name.startsWith("out.") && !name.startsWith("grad.")) {
                continue;
            }
            checks.add(goldenCase.isInteger(name)
                    ? compareInts(name, goldenCase.ints(name), got.ints().get(name))
                    : compareFloats(name, goldenCase.floats(name), got.floats().get(name),
                            goldenCase.atol(), goldenCase.rtol()));
        }
        return checks;
    }

    /** Whether every check passed. */
    public static boolean allPassed(List<TensorCheck> checks) {
        return checks.stream().allMatch(TensorCheck::passed);
    }

    static TensorCheck compareFloats(String name, float[] want, float[] got, double atol,
            double rtol) {
        if (got == null) {
            return new TensorCheck(name, Double.NaN, Double.NaN, false, "not computed");
        }
        if (got.length != want.length) {
            return new TensorCheck(name, Double.NaN, Double.NaN, false,
                    "computed " + got.length + " values, expected " + want.length);
        }
        double worstAbsolute = 0;
        double worstRelative = 0;
        int firstBad = -1;
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            boolean ok;
            double error;
            if (Double.isInfinite(w)) {
                ok = g == w;
                error = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                error = Math.abs(g - w);
                ok = error <= atol + rtol * Math.abs(w); // false for NaN
                if (Double.isNaN(error)) {
                    error = Double.POSITIVE_INFINITY;
                }
            }
            worstAbsolute = Math.max(worstAbsolute, error);
            if (w != 0 && !Double.isInfinite(w)) {
                worstRelative = Math.max(worstRelative, error / Math.abs(w));
            }
            if (!ok && firstBad < 0) {
                firstBad = i;
            }
        }
        String problem = firstBad < 0 ? "" : "first out of tolerance at flat index " + firstBad
                + ": want " + want[firstBad] + ", got " + got[firstBad];
        return new TensorCheck(name, worstAbsolute, worstRelative, firstBad < 0, problem);
    }

    static TensorCheck compareInts(String name, int[] want, int[] got) {
        if (got == null) {
            return new TensorCheck(name, Double.NaN, Double.NaN, false, "not computed");
        }
        if (got.length != want.length) {
            return new TensorCheck(name, Double.NaN, Double.NaN, false,
                    "computed " + got.length + " values, expected " + want.length);
        }
        long worst = 0;
        int firstBad = -1;
        for (int i = 0; i < want.length; i++) {
            long error = Math.abs((long) got[i] - want[i]);
            worst = Math.max(worst, error);
            if (error != 0 && firstBad < 0) {
                firstBad = i;
            }
        }
        String problem = firstBad < 0 ? "" : "first mismatch at flat index " + firstBad
                + ": want " + want[firstBad] + ", got " + got[firstBad];
        return new TensorCheck(name, worst, 0, firstBad < 0, problem);
    }
}
