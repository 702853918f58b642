package org.sparsa.distill.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.api.task.Task;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.TrainedModel;
import org.sparsa.core.stage.TrainingContext;

/** Loads a {@code distill} stage's teachers from the run and checks they fit the student. */
final class Teachers {

    private Teachers() {
    }

    /**
     * The teachers {@code specs} name, frozen, each on its task.
     *
     * @throws IllegalArgumentException naming the teacher when it cannot teach this student
     */
    static List<Teacher> load(List<TeacherSpec> specs, TrainingContext context)
            throws IOException {
        StageResources resources = context.resources();
        List<TrainedModel> models = new ArrayList<>();
        List<Task> tasks = new ArrayList<>();
        List<String> taskNames = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (TeacherSpec spec : specs) {
            TrainedModel trained = spec.run() == null ? resources.stageModel(spec.stage())
                    : resources.runModel(Path.of(spec.run()), spec.stage());
            String where = "stage '" + context.name() + "': teacher '" + spec.stage() + "'";
            if (!names.add(trained.name())) {
                throw new IllegalArgumentException(where + " is named twice in teachers");
            }
            int vocab = context.model().config().vocab();
            if (trained.model().config().vocab() != vocab) {
                throw new IllegalArgumentException(where + " has a vocabulary of "
                        + trained.model().config().vocab() + " ids, the student " + vocab
                        + "; teacher and student must share the tokenizer");
            }
            trained.model().parameters().freeze("*");
            models.add(trained);
            tasks.add(spec.taskId() == null ? trained.task()
                    : resources.task(spec.taskId(), spec.taskConfig()));
            taskNames.add(spec.taskId() == null ? trained.taskName() : spec.taskId());
        }
        // Two teachers on one task id with different configurations are two columns.
        Map<String, Integer> uses = new LinkedHashMap<>();
        taskNames.forEach(n -> uses.merge(n, 1, Integer::sum));
        List<Teacher> teachers = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            String label = uses.get(taskNames.get(i)) > 1
                    ? taskNames.get(i) + "-" + models.get(i).name() : taskNames.get(i);
            teachers.add(new Teacher(models.get(i).name(), models.get(i).model(), tasks.get(i),
                    label, specs.get(i).weight()));
        }
        return teachers;
    }
}
