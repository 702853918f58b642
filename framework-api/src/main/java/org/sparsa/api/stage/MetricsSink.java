package org.sparsa.api.stage;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** Where a stage reports its metrics; the framework streams them to {@code metrics.jsonl}. */
@ProviderType
public interface MetricsSink {

    /** Records {@code metrics} at {@code step} of the current stage. */
    void log(long step, Map<String, Double> metrics);

    /**
     * Records that {@code event} happened at {@code step} of the current stage (a skipped
     * step, a swapped plugin), with {@code details} whose values are strings, numbers,
     * booleans or lists of those; the framework writes it as an event line of
     * {@code metrics.jsonl}, which readers of metrics pass over. Sinks that keep no log (tests)
     * may ignore it, hence the default.
     */
    default void event(long step, String event, Map<String, Object> details) {
    }
}
