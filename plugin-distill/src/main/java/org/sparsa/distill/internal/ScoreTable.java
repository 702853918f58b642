package org.sparsa.distill.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingStages;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Scores of models on the teachers' tasks, the way DeepSeek-V3.2 compares its specialists with
 * the distilled generalist: each model's evaluation on each task as
 * {@code score/{model}/{task}/{metric}} (the run's report turns them into a model × task
 * table). Each task appears once, however many teachers teach on it.
 */
final class ScoreTable {
    /** The prefix of every score metric. */
    static final String PREFIX = "score/";
    private static final String EVAL = "eval/";

    private ScoreTable() {
    }

    /** {@code model}'s evaluation on every task of {@code teachers}, as eval/{task}/{metric}. */
    static Map<String, Double> evaluate(LlamaModel model, Tokenizer tokenizer,
            List<Teacher> teachers, StageSettings settings, int examples, int maxNewTokens) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, Teacher> byTask = new LinkedHashMap<>();
        teachers.forEach(t -> byTask.putIfAbsent(t.taskLabel(), t));
        byTask.forEach((label, teacher) -> TrainingStages.evaluate(model, tokenizer,
                teacher.task(), settings, examples, maxNewTokens).forEach((name, value) ->
                out.put(EVAL + label + "/" + name.substring(EVAL.length()), value)));
        return out;
    }

    /** {@code eval/{task}/{metric}} values as {@code score/{model}/{task}/{metric}}. */
    static Map<String, Double> rows(String model, Map<String, Double> evaluation) {
        Map<String, Double> out = new LinkedHashMap<>();
        evaluation.forEach((name, value) -> {
            if (name.startsWith(EVAL)) {
                out.put(PREFIX + model + "/" + name.substring(EVAL.length()), value);
            }
        });
        return out;
    }
}
