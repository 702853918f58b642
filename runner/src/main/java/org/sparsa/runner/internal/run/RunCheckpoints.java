package org.sparsa.runner.internal.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.sparsa.core.checkpoint.Checkpoints;
import org.sparsa.core.checkpoint.TrainerState;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.train.AdamW;

/**
 * One stage's view of the run's checkpoints ({@code checkpoints/step-NNNNNN/} in the run
 * folder): folders are named by the run's step, which is the stage's step plus the steps of
 * the stages before it, and each trainer state records the stage's name, index and own step
 * so that {@code resume: auto} knows where to pick up.
 */
final class RunCheckpoints implements StageCheckpoints {
    static final String STAGE = "stage";
    static final String STAGE_INDEX = "stage_index";
    static final String STAGE_STEP = "stage_step";

    private final Checkpoints checkpoints;
    private final ParameterStore store;
    private final String configJson;
    private final String stage;
    private final int index;
    private final long offset;
    private final Path resumeFrom;

    /**
     * @param offset the steps of the stages before this one
     * @param resumeFrom the checkpoint this stage continues from, or null to start afresh
     */
    RunCheckpoints(Checkpoints checkpoints, ParameterStore store, String configJson,
            String stage, int index, long offset, Path resumeFrom) {
        this.checkpoints = checkpoints;
        this.store = store;
        this.configJson = configJson;
        this.stage = stage;
        this.index = index;
        this.offset = offset;
        this.resumeFrom = resumeFrom;
    }

    @Override
    public Optional<StagePosition> restore(AdamW optimizer) throws IOException {
        if (resumeFrom == null) {
            return Optional.empty();
        }
        TrainerState state = Checkpoints.load(resumeFrom, store, optimizer);
        return Optional.of(new StagePosition(stageStep(state), state.dataPosition(),
                state.rngStates()));
    }

    @Override
    public void save(StagePosition position, AdamW optimizer) throws IOException {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(STAGE, stage);
        extra.put(STAGE_INDEX, index);
        extra.put(STAGE_STEP, position.step());
        checkpoints.save(store, configJson, optimizer, new TrainerState(offset + position.step(),
                position.dataPosition(), position.rngStates(), extra));
    }

    /** The step within its stage a checkpoint was saved at. */
    static long stageStep(TrainerState state) {
        return number(state, STAGE_STEP);
    }

    /** The index of the stage a checkpoint was saved in. */
    static int stageIndex(TrainerState state) {
        return (int) number(state, STAGE_INDEX);
    }

    private static long number(TrainerState state, String key) {
        if (state.extra().get(key) instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalStateException("the checkpoint of step " + state.step()
                + " does not say its " + key + "; it was not written by a run");
    }
}
