package org.sparsa.core.stage;

import java.nio.file.Path;
import java.util.Map;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.task.Task;

/**
 * What the run offers a stage beyond its own model and task: the models earlier stages
 * trained (of this run or of another run folder), and tasks and rewards made from plugins by
 * id. Stages that read several models, such as distillation from specialists, use it.
 */
public interface StageResources {

    /**
     * The model the earlier stage {@code stage} of this run trained, with its task.
     *
     * @throws IllegalArgumentException naming the stage when this run has no such earlier stage
     * @throws java.io.IOException when its weights cannot be read
     */
    TrainedModel stageModel(String stage) throws java.io.IOException;

    /**
     * The model the stage {@code stage} of the run in {@code runFolder} trained, with its task.
     *
     * @throws IllegalArgumentException naming the folder or stage when it holds no such model
     * @throws java.io.IOException when its recipe or weights cannot be read
     */
    TrainedModel runModel(Path runFolder, String stage) throws java.io.IOException;

    /**
     * The task plugin {@code id} made with {@code config}.
     *
     * @throws IllegalArgumentException naming the id when no such task is registered
     */
    Task task(String id, Map<String, Object> config);

    /**
     * The reward plugin {@code id} made with {@code config}.
     *
     * @throws IllegalArgumentException naming the id when no such reward is registered
     */
    RewardFunction reward(String id, Map<String, Object> config);
}
