package org.sparsa.runner.internal.sweep;

import java.util.List;

/**
 * How a sweep's trials went in one {@code sparsa sweep}.
 *
 * @param skipped trials an earlier sweep finished, not run again
 * @param succeeded trials run and finished now
 * @param failed trials run now that did not finish, each with why
 */
public record SweepOutcome(int skipped, int succeeded, List<String> failed) {
    public SweepOutcome {
        failed = List.copyOf(failed);
    }
}
