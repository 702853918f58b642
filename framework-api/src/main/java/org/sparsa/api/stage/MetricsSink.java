package org.sparsa.api.stage;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** Where a stage reports its metrics; the framework streams them to {@code metrics.jsonl}. */
@ProviderType
public interface MetricsSink {

    /** Records {@code metrics} at {@code step} of the current stage. */
    void log(long step, Map<String, Double> metrics);
}
