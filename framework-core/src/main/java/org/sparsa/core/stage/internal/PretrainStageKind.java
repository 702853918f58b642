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
 * {@code pretrain}: next-token prediction on every token of the task's documents, packed into
 * full rows ({@link PackedDocuments}); continued pre-training is the same stage on a trained
 * model.
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "pretrain",
        description = "Next-token prediction on every token of the task's documents, packed "
                + "into full rows",
        config = {
            EvaluationConfig.EXAMPLES_DECLARATION,
            EvaluationConfig.MAX_NEW_TOKENS_DECLARATION})
public final class PretrainStageKind implements StageKind {

    @Override
    public Stage create(PluginConfig config) {
        EvaluationConfig evaluation = EvaluationConfig.read(config, List.of());
        return context -> {
            TrainingContext training = TrainingContext.of(context);
            new TrainingLoop(training, new PackedDocuments(training.task(), training.tokenizer()),
                    evaluation.evaluation(training)).run();
        };
    }
}
