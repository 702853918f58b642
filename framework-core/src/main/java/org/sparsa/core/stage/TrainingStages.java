package org.sparsa.core.stage;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.internal.EvalStageKind;
import org.sparsa.core.stage.internal.PretrainStageKind;
import org.sparsa.core.stage.internal.SftStageKind;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * The built-in training stages for stage kinds of other bundles that train the model the same
 * way under settings of their own: a preset such as DSA's {@code indexer_warmup} is the
 * {@code pretrain} stage with the recipe's settings changed by a function, so it keeps the
 * loop, checkpoints, evaluation and metrics of the built-in kinds without reaching into them.
 */
public final class TrainingStages {
    /** The declaration of the evaluation key {@code eval_examples}, for a kind's PluginInfo. */
    public static final String EVAL_EXAMPLES_DECLARATION = "eval_examples:int=128 - examples of "
            + "the task's evaluation set scored at each evaluation (0: all)";
    /** The declaration of the evaluation key {@code max_new_tokens}, for a kind's PluginInfo. */
    public static final String MAX_NEW_TOKENS_DECLARATION = "max_new_tokens:int=0 - tokens "
            + "generated per evaluation answer (0: the longest reference's plus two)";

    private TrainingStages() {
    }

    /**
     * A {@code pretrain} stage (next-token prediction on packed documents) that runs under
     * {@code preset(settings)}, the recipe's settings being {@code settings}.
     *
     * @param config the stage's configuration: the evaluation keys above and {@code presetKeys}
     * @param presetKeys the keys the preset reads itself; any other key is rejected
     * @param preset the stage's settings from the recipe's, called when the stage runs; it may
     *     throw {@link IllegalArgumentException} to refuse settings that contradict it
     * @throws org.sparsa.api.plugin.ConfigException for an unknown key or an evaluation key out
     *     of range
     */
    public static Stage pretrain(PluginConfig config, List<String> presetKeys,
            UnaryOperator<StageSettings> preset) {
        return PretrainStageKind.preset(config, presetKeys, preset);
    }

    /**
     * An {@code sft} stage (the task's prompt/answer pairs, the loss on the answers) that runs
     * under {@code preset(settings)}, as {@link #pretrain} does for documents.
     */
    public static Stage sft(PluginConfig config, List<String> presetKeys,
            UnaryOperator<StageSettings> preset) {
        return SftStageKind.preset(config, presetKeys, preset);
    }

    /**
     * Scores {@code model} on the first {@code examples} examples (0: all) of {@code task}'s
     * evaluation set, as an evaluation of a training stage does: {@code eval/loss}, the task's
     * metrics ({@code eval/exact_match}, ...) of greedy answers of at most
     * {@code maxNewTokens} tokens (0: the longest reference's plus two) and the layers'
     * measurements, in batches of {@code settings.batch()} under its attention mode. The model
     * and task need not be the stage's own: a distillation stage scores teachers and student on
     * every teacher's task.
     *
     * @throws IllegalArgumentException when {@code examples} or {@code maxNewTokens} is negative
     */
    public static Map<String, Double> evaluate(LlamaModel model, Tokenizer tokenizer, Task task,
            StageSettings settings, int examples, int maxNewTokens) {
        return EvalStageKind.evaluate(model, tokenizer, task, settings, examples, maxNewTokens);
    }

    /**
     * {@link #evaluate(LlamaModel, Tokenizer, Task, StageSettings, int, int)} of the stage's own
     * model on its own task, for a stage kind that trains its own way (RL).
     */
    public static Map<String, Double> evaluate(TrainingContext context, StageSettings settings,
            int examples, int maxNewTokens) {
        return evaluate(context.model(), context.tokenizer(), context.task(), settings, examples,
                maxNewTokens);
    }

    /**
     * {@link #evaluate(TrainingContext, StageSettings, int, int)} as the evaluation of the
     * stage's step {@code step}: it also writes what the model answered, one JSON line per
     * example, to {@code stages/<stage>/eval/step-<step>.jsonl} in the run folder, as the
     * built-in stages do.
     */
    public static Map<String, Double> evaluate(TrainingContext context, StageSettings settings,
            int examples, int maxNewTokens, long step) {
        return EvalStageKind.evaluate(context, settings, examples, maxNewTokens, step);
    }
}
