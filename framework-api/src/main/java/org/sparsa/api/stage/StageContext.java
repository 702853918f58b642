package org.sparsa.api.stage;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.parameter.Parameters;

/** What the framework hands a running stage. */
@ProviderType
public interface StageContext {

    /** The stage's name in the recipe. */
    String name();

    /** The run's folder; a stage writes only below it. */
    Path runFolder();

    /** The stage's seed, derived from the run's seed. */
    long seed();

    /** The model's parameters, shared by every stage of the run. */
    Parameters parameters();

    /** Where to report metrics. */
    MetricsSink metrics();
}
