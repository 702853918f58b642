package org.sparsa.dsa.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
import org.sparsa.core.stage.TrainingStages;

/**
 * {@code indexer_warmup}: DeepSeek-V3.2's dense warm-up, the {@code pretrain} stage (or, with
 * {@code data: examples}, the {@code sft} stage, see {@link PresetData}) with the attention in
 * {@code dense} mode, every parameter but the lightning indexers' frozen and the
 * indexers' KL to the dense attention as the whole objective (the language-model loss would
 * train nothing, so it is not computed). The recipe's lr is the indexers' (the paper's 1e-3).
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "indexer_warmup",
        description = "DSA dense warm-up: only the lightning indexers train, on their KL to the"
                + " dense attention",
        config = {
            PresetData.DECLARATION,
            TrainingStages.EVAL_EXAMPLES_DECLARATION,
            TrainingStages.MAX_NEW_TOKENS_DECLARATION})
public final class IndexerWarmupStageKind implements StageKind {
    static final String ID = "indexer_warmup";

    @Override
    public Stage create(PluginConfig config) {
        return PresetData.read(config).stage(config, List.of(), settings ->
                PresetMode.apply(settings, DsaLayer.DENSE, ID)
                        .withTrainable(List.of(Indexer.PARAMETERS))
                        .withLossWeights(0, 1));
    }
}
