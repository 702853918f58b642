package org.sparsa.core.stage.internal;

import java.util.List;
import java.util.function.UnaryOperator;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;

/**
 * {@code sft}: supervised fine-tuning on the task's prompt/answer pairs, the loss on the
 * answer's tokens only ({@link PromptAnswerPairs}).
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "sft",
        description = "Supervised fine-tuning on prompt/answer pairs, the loss on answers only",
        config = {
            EvaluationConfig.EXAMPLES_DECLARATION,
            EvaluationConfig.MAX_NEW_TOKENS_DECLARATION})
public final class SftStageKind implements StageKind {

    @Override
    public Stage create(PluginConfig config) {
        return preset(config, List.of(), UnaryOperator.identity());
    }

    /**
     * This stage under the settings {@code preset} makes of the recipe's; reached through
     * {@link org.sparsa.core.stage.TrainingStages#sft}.
     */
    public static Stage preset(PluginConfig config, List<String> presetKeys,
            UnaryOperator<StageSettings> preset) {
        EvaluationConfig evaluation = EvaluationConfig.read(config, List.of(), presetKeys);
        return context -> {
            TrainingContext training = TrainingContext.of(context);
            StageSettings settings = preset.apply(training.settings());
            new TrainingLoop(training, settings,
                    new PromptAnswerPairs(training.task(), training.tokenizer()),
                    evaluation.evaluation(training, settings)).run();
        };
    }
}
