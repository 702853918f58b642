package org.sparsa.core.stage;

import java.util.Objects;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;

/**
 * A model some stage trained, loaded for another stage to read (a distillation teacher): its
 * weights, and the task it was trained on.
 *
 * @param name what reports call it (the stage's name)
 * @param model the model with its trained weights; stages that read it must not train it
 * @param task the task the stage that trained it drew its data from
 * @param taskName the task's plugin id, for reports
 */
public record TrainedModel(String name, LlamaModel model, Task task, String taskName) {
    public TrainedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(taskName, "taskName");
    }
}
