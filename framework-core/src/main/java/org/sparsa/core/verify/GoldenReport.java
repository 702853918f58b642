package org.sparsa.core.verify;

import java.util.List;
import java.util.Locale;

/** The human-readable verdict on one golden case, shared by {@code sparsa verify} and the testkit. */
public final class GoldenReport {

    private GoldenReport() {
    }

    /**
     * A header line naming the file, op and backend, then one line per expected tensor with its
     * worst absolute and relative error and PASS or FAIL.
     */
    public static String format(GoldenCase goldenCase, String backend, List<TensorCheck> checks) {
        StringBuilder out = new StringBuilder();
        out.append(goldenCase.file().getFileName()).append("  ").append(goldenCase.op())
                .append("  backend ").append(backend)
                .append(String.format(Locale.ROOT, "  (atol %.1e, rtol %.1e)%n",
                        goldenCase.atol(), goldenCase.rtol()));
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (TensorCheck check : checks) {
            out.append(String.format(Locale.ROOT, "  %-" + width + "s  abs %.3e  rel %.3e  %s",
                    check.name(), check.worstAbsolute(), check.worstRelative(),
                    check.passed() ? "PASS" : "FAIL"));
            if (!check.problem().isEmpty()) {
                out.append("  ").append(check.problem());
            }
            out.append(System.lineSeparator());
        }
        return out.toString();
    }
}
