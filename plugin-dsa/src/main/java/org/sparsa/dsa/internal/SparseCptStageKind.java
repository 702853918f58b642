package org.sparsa.dsa.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingStages;

/**
 * {@code sparse_cpt}: DeepSeek-V3.2's sparse training stage, the {@code pretrain} stage (or,
 * with {@code data: examples}, the {@code sft} stage, see {@link PresetData}) with the attention
 * in {@code sparse} mode and every parameter training: the model on the
 * language-model loss over the keys the indexers select, the indexers on their sparse-stage KL
 * (their inputs are detached, so neither loss reaches the other's parameters). The indexers
 * have their own peak rate, {@code indexer_lr}; the rest trains at the stage's lr, both on the
 * stage's schedule.
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "sparse_cpt",
        description = "DSA sparse continued pre-training: the model on the LM loss over the"
                + " selected keys, the indexers on their KL at their own rate",
        config = {
            PresetData.DECLARATION,
            SparseCptStageKind.INDEXER_LR + ":double=0 - peak learning rate of the lightning"
                    + " indexers (0: the stage's lr)",
            TrainingStages.EVAL_EXAMPLES_DECLARATION,
            TrainingStages.MAX_NEW_TOKENS_DECLARATION})
public final class SparseCptStageKind implements StageKind {
    static final String ID = "sparse_cpt";
    static final String INDEXER_LR = "indexer_lr";

    @Override
    public Stage create(PluginConfig config) {
        double indexerLr = config.number(INDEXER_LR, 0);
        if (!(indexerLr >= 0 && Double.isFinite(indexerLr))) {
            throw new ConfigException(config.origin(), INDEXER_LR, "expected a finite rate of "
                    + "at least 0, found " + indexerLr);
        }
        return PresetData.read(config).stage(config, List.of(INDEXER_LR),
                settings -> preset(settings, indexerLr));
    }

    /** The recipe's settings in sparse mode, the indexers' group ahead of the recipe's own. */
    static StageSettings preset(StageSettings settings, double indexerLr) {
        StageSettings sparse = PresetMode.apply(settings, DsaLayer.SPARSE, ID);
        if (indexerLr == 0) {
            return sparse;
        }
        Map<String, Double> groups = new LinkedHashMap<>();
        groups.put(Indexer.PARAMETERS, indexerLr);
        sparse.lrGroups().forEach(groups::putIfAbsent);
        return sparse.withLrGroups(groups);
    }
}
