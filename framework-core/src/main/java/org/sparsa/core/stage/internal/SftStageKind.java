package org.sparsa.core.stage.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
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
        EvaluationConfig evaluation = EvaluationConfig.read(config, List.of());
        return context -> {
            TrainingContext training = TrainingContext.of(context);
            new TrainingLoop(training, training.settings(),
                    new PromptAnswerPairs(training.task(), training.tokenizer()),
                    evaluation.evaluation(training, training.settings())).run();
        };
    }
}
