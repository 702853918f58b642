package org.sparsa.api.task;

import java.util.List;
import org.sparsa.api.reward.RubricItem;

/**
 * One example of a task: a prompt, the reference answer when the task has one, and the rubric
 * items a rubric reward scores it by.
 *
 * @param prompt the text given to the model
 * @param reference the expected answer, or {@code null}
 * @param rubric rubric items, possibly empty
 */
public record Example(String prompt, String reference, List<RubricItem> rubric) {
    public Example {
        rubric = List.copyOf(rubric);
    }
}
