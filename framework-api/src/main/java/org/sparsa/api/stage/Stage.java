package org.sparsa.api.stage;

import org.osgi.annotation.versioning.ConsumerType;

/** A configured stage of a recipe, made by a {@link StageKind}. */
@ConsumerType
public interface Stage {

    /**
     * Runs the stage to its end.
     *
     * @throws Exception when the stage cannot go on; the run stops and says why
     */
    void run(StageContext context) throws Exception;
}
