package org.sparsa.grpo.internal.rl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.TrainedModel;
import org.sparsa.core.stage.TrainingContext;

/**
 * The {@link RewardContext} an {@code rl} stage makes its rewards with: the registered plugins,
 * plus the judge {@value #MODEL_JUDGE}, which only a stage can make, because its model is one
 * an earlier stage trained ({@link TrainingContext#resources()}): a {@link ModelJudge} over the
 * model {@link ModelJudgeConfig} names. Each judge model is loaded once per stage, however many
 * rewards judge with it, frozen, and kept apart from the policy: it has its own parameters,
 * which the stage's optimiser never sees.
 */
final class StageRewardContext implements RewardContext {
    /** The judge id this context resolves itself. */
    static final String MODEL_JUDGE = "model";

    private final PluginRegistry plugins;
    private final TrainingContext context;
    private final Map<List<String>, LlamaModel> judgeModels = new HashMap<>();

    StageRewardContext(PluginRegistry plugins, TrainingContext context) {
        this.plugins = plugins;
        this.context = context;
    }

    @Override
    public RewardFunction reward(String id, PluginConfig config) {
        return plugins.rewardModel(id).create(config, this);
    }

    @Override
    public JudgeFunction judge(String id, PluginConfig config) {
        if (!MODEL_JUDGE.equals(id)) {
            return plugins.judge(id, config);
        }
        ModelJudgeConfig judge = ModelJudgeConfig.read(config);
        LlamaModel model = judgeModels.computeIfAbsent(
                Arrays.asList(judge.run(), judge.stage()), k -> load(judge, config));
        if (judge.maxNewTokens() >= model.config().maxSequence()) {
            throw new ConfigException(config.origin(), ModelJudgeConfig.MAX_NEW_TOKENS,
                    judge.maxNewTokens() + " tokens leave no room for a prompt in the judge "
                    + "model's max_seq " + model.config().maxSequence());
        }
        return new ModelJudge(model, context.tokenizer(), judge);
    }

    /**
     * The judge's model, frozen.
     *
     * @throws ConfigException on {@code run} for a folder that does not exist, on
     *     {@code stage} when the run (or folder) has no such stage, or its model does not
     *     share the run's vocabulary
     */
    private LlamaModel load(ModelJudgeConfig judge, PluginConfig config) {
        if (judge.run() != null && !Files.isDirectory(Path.of(judge.run()))) {
            throw new ConfigException(config.origin(), ModelJudgeConfig.RUN, "no run folder "
                    + judge.run());
        }
        TrainedModel trained;
        try {
            trained = judge.run() == null ? context.resources().stageModel(judge.stage())
                    : context.resources().runModel(Path.of(judge.run()), judge.stage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(config.origin(), ModelJudgeConfig.STAGE, "no judge model: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("stage '" + context.name() + "': the judge model of "
                    + "stage '" + judge.stage() + "' cannot be read", e);
        }
        int vocab = context.model().config().vocab();
        if (trained.model().config().vocab() != vocab) {
            throw new ConfigException(config.origin(), ModelJudgeConfig.STAGE, "the judge model "
                    + "of stage '" + judge.stage() + "' has a vocabulary of "
                    + trained.model().config().vocab() + " ids, the policy " + vocab
                    + "; judge and policy must share the tokenizer");
        }
        trained.model().parameters().freeze("*");
        return trained.model();
    }
}
