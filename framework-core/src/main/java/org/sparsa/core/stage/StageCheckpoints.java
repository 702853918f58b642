package org.sparsa.core.stage;

import java.io.IOException;
import java.util.Optional;
import org.sparsa.core.train.AdamW;

/**
 * Where a training stage saves checkpoints and resumes from one. The run decides where they go
 * and names them by the run's step count over all stages; a stage deals in its own steps.
 */
public interface StageCheckpoints {

    /**
     * When the run resumes inside this stage, loads the latest checkpoint's weights and
     * optimiser state into the model and {@code optimizer} and returns where the stage stood;
     * empty when the stage starts from its beginning.
     *
     * @throws IOException when the checkpoint cannot be read; nothing has changed then
     */
    Optional<StagePosition> restore(AdamW optimizer) throws IOException;

    /**
     * Saves the model, {@code optimizer} and {@code position} as the run's latest checkpoint,
     * atomically: a crash leaves the previous one as the latest.
     */
    void save(StagePosition position, AdamW optimizer) throws IOException;
}
