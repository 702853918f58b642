package org.sparsa.distill.internal;

import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;

/**
 * A teacher ready to teach: its frozen model, the task it teaches on and the label that task
 * has in metrics and the score table, and its mixing weight.
 *
 * @param name the teacher's name in metrics (the stage that trained it)
 * @param model its model, only ever run without a graph
 * @param task the task whose examples it teaches on
 * @param taskLabel the task's name in metrics
 * @param weight its share of the student's rows, relative to the others'
 */
record Teacher(String name, LlamaModel model, Task task, String taskLabel, double weight) {

    /** One of {@code teachers}, drawn with probability proportional to its weight. */
    static int draw(List<Teacher> teachers, RandomGenerator random) {
        double total = 0;
        for (Teacher t : teachers) {
            total += t.weight();
        }
        double at = random.nextDouble() * total;
        for (int i = 0; i < teachers.size(); i++) {
            at -= teachers.get(i).weight();
            if (at < 0) {
                return i;
            }
        }
        return teachers.size() - 1;
    }
}
