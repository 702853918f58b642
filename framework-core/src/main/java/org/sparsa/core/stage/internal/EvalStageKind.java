package org.sparsa.core.stage.internal;

import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * {@code eval}: scores the model on the task's evaluation set without training
 * ({@link Evaluation}); the stage's {@code steps × batch} examples, at most the whole set, are
 * scored and reported once, at step 1.
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "eval",
        description = "Scores the model on steps x batch examples of the task's evaluation set",
        config = {EvaluationConfig.MAX_NEW_TOKENS_DECLARATION})
public final class EvalStageKind implements StageKind {

    @Override
    public Stage create(PluginConfig config) {
        EvaluationConfig evaluation = EvaluationConfig.read(config,
                List.of(EvaluationConfig.EXAMPLES));
        return context -> {
            TrainingContext training = TrainingContext.of(context);
            StageSettings settings = training.settings();
            long examples = Math.min(Integer.MAX_VALUE, settings.steps() * settings.batch());
            training.metrics().log(1, new Evaluation(training, settings, (int) examples,
                    evaluation.maxNewTokens()).run(1));
        };
    }

    /**
     * Scores {@code model} on {@code task} as an {@code eval} stage would; reached through
     * {@link org.sparsa.core.stage.TrainingStages#evaluate}.
     */
    public static Map<String, Double> evaluate(LlamaModel model, Tokenizer tokenizer, Task task,
            StageSettings settings, int examples, int maxNewTokens) {
        requireCounts(examples, maxNewTokens);
        return new Evaluation(model, tokenizer, task, settings, examples, maxNewTokens).run();
    }

    /** The stage's own evaluation at {@code step}, writing its samples. */
    public static Map<String, Double> evaluate(TrainingContext context, StageSettings settings,
            int examples, int maxNewTokens, long step) {
        requireCounts(examples, maxNewTokens);
        return new Evaluation(context, settings, examples, maxNewTokens).run(step);
    }

    private static void requireCounts(int examples, int maxNewTokens) {
        if (examples < 0 || maxNewTokens < 0) {
            throw new IllegalArgumentException("evaluation: examples " + examples
                    + " and max_new_tokens " + maxNewTokens + " must not be negative");
        }
    }
}
