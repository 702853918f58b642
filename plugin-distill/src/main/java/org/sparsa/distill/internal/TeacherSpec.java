package org.sparsa.distill.internal;

import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/**
 * One teacher of a {@code distill} stage, as the recipe names it: the model an earlier stage
 * trained ({@code stage}), or a stage of another run folder ({@code run} and {@code stage}); the
 * task it teaches on (its own stage's task unless {@code task} names another); and its mixing
 * weight, the share of the student's training rows drawn from it.
 *
 * @param stage the stage that trained the teacher
 * @param run the run folder holding that stage, or null for this run
 * @param taskId the task's plugin id, or null for the teacher's own stage's task
 * @param taskConfig the task's configuration
 * @param weight the teacher's mixing weight, above 0
 */
record TeacherSpec(String stage, String run, String taskId, Map<String, Object> taskConfig,
        double weight) {
    static final List<String> KEYS = List.of("stage", "run", "task", "weight");

    TeacherSpec {
        taskConfig = Map.copyOf(taskConfig);
    }

    /** Reads one entry of {@code teachers}. */
    static TeacherSpec read(PluginConfig entry) {
        entry.requireOnly(KEYS);
        String stage = entry.string("stage", null);
        if (stage == null || stage.isBlank()) {
            throw new ConfigException(entry.origin(), "stage", "expected the name of the stage "
                    + "that trained the teacher (of this run, or of the run folder in 'run')");
        }
        String run = entry.path("run", null);
        String taskId = null;
        Map<String, Object> taskConfig = Map.of();
        if (entry.has("task")) {
            PluginConfig task = entry.section("task");
            task.requireOnly(List.of("id", "config"));
            taskId = task.string("id", null);
            if (taskId == null || taskId.isBlank()) {
                throw new ConfigException(task.origin(), "id", "expected a task plugin id");
            }
            taskConfig = task.section("config").asMap();
        }
        double weight = entry.number("weight", 1);
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new ConfigException(entry.origin(), "weight", "expected a mixing weight above "
                    + "0, found " + weight);
        }
        return new TeacherSpec(stage, run, taskId, taskConfig, weight);
    }
}
