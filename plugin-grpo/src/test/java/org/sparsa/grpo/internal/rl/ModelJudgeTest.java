package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.rewards.internal.RubricReward;

/**
 * The model judge end to end: a rubric reward with {@code judge: model} scores completions by
 * what a tiny judge model, fine-tuned in the test, answers; an untrained judge's answers are
 * unparsed and counted; the judge is frozen; and its keys are checked by name.
 */
class ModelJudgeTest {
    @TempDir
    Path folder;

    /** A context of this run whose earlier stage {@code judge} trained {@code judge}. */
    private RlTestContext context(LlamaModel judge) {
        return new RlTestContext(RlTestContext.settings(1, 8, 1e-3), false, folder)
                .earlierStage("judge", judge);
    }

    private static StageRewardContext rewards(RlTestContext context) {
        return new StageRewardContext(RlTestContext.kind().plugins(), context);
    }

    /** The rubric reward judged by the model of the earlier stage {@code judge}. */
    private static RewardFunction rubric(RlTestContext context, Object... judgeKeys) {
        Map<String, Object> judgeConfig = new LinkedHashMap<>();
        judgeConfig.put("stage", "judge");
        judgeConfig.put("template", TinyJudges.TEMPLATE);
        for (int i = 0; i < judgeKeys.length; i += 2) {
            judgeConfig.put((String) judgeKeys[i], judgeKeys[i + 1]);
        }
        return new RubricReward().create(PluginConfig.of(Map.of("judge", "model",
                "judge_config", judgeConfig), "test"), rewards(context));
    }

    private static Completion judged(String text, RubricItem... rubric) {
        return Completion.builder(text).prompt("write a few words").rubric(List.of(rubric))
                .build();
    }

    @Test
    void aTrainedJudgeModelScoresEachCompletionByItsAnswer() {
        RewardFunction reward = rubric(context(TinyJudges.trained()));
        List<String> marked = List.of("yes", "cat yes", "yes dog red", "sun blue yes");
        List<String> plain = List.of("bad", "cat dog", "tree blue red", "sun");
        for (String text : marked) {
            RewardResult result = reward.score(judged(text, TinyJudges.ITEM));
            assertEquals(0.7, result.value(), 1e-12, text);
            assertEquals(0.0, result.components().get("rubric.unparsed"), text);
        }
        for (String text : plain) {
            RewardResult result = reward.score(judged(text, TinyJudges.ITEM));
            assertEquals(0.2, result.value(), 1e-12, text);
            assertEquals(0.0, result.components().get("rubric.unparsed"), text);
        }
        // Two items weighted 1:3, each judged by the model: (1 * 0.7 + 3 * 0.7) / 4.
        RewardResult weighted = reward.score(judged("cat yes", TinyJudges.ITEM,
                new RubricItem("also yes", 3)));
        assertEquals(0.7, weighted.value(), 1e-12);
        assertEquals(2.0, weighted.components().get("rubric.items"));
    }

    @Test
    void theScaleDividesTheJudgesInteger() {
        RewardFunction outOfEight = rubric(context(TinyJudges.trained()), "scale", 8);
        assertEquals(7 / 8.0, outOfEight.score(judged("yes", TinyJudges.ITEM)).value(), 1e-12);
        assertEquals(2 / 8.0, outOfEight.score(judged("bad", TinyJudges.ITEM)).value(), 1e-12);
        // On a scale of 5 the judge's 7 lies out of range: unparsed, scoring 0.
        RewardResult outOfFive = rubric(context(TinyJudges.trained()), "scale", 5)
                .score(judged("yes", TinyJudges.ITEM));
        assertEquals(0.0, outOfFive.value());
        assertEquals(1.0, outOfFive.components().get("rubric.unparsed"));
    }

    @Test
    void anUntrainedJudgesAnswersAreUnparsedScoreZeroAndAreCounted() {
        RlTestContext context = context(TinyJudges.untrained(4));
        JudgeFunction judge = rewards(context).judge("model", PluginConfig.of(Map.of(
                "stage", "judge", "template", TinyJudges.TEMPLATE), "test"));
        ModelJudge model = (ModelJudge) judge;
        for (String text : List.of("yes", "bad", "cat dog")) {
            String answer = model.answer(TinyJudges.MarkedWords.example(text).prompt());
            // A judge that answers no integer in range is what this test is about.
            assertFalse(new JudgeScoreParser(10).parse(answer).parsed(), answer);
            Judgement judgement = judge.judge(TinyJudges.ITEM, judged(text));
            assertFalse(judgement.parsed());
            assertEquals(0.0, judgement.score());
            assertTrue(judgement.rationale().contains(answer.strip().isEmpty() ? "empty"
                    : "'"), judgement.rationale());
        }
        RewardResult result = rubric(context).score(judged("yes", TinyJudges.ITEM,
                new RubricItem("short", 2), new RubricItem("polite", 0)));
        assertEquals(0.0, result.value());
        assertEquals(3.0, result.components().get("rubric.unparsed"));
        assertEquals(3.0, result.components().get("rubric.items"));
    }

    @Test
    void judgingIsGreedySoTheSameInputAlwaysGetsTheSameVerdict() {
        RlTestContext context = context(TinyJudges.untrained(9));
        JudgeFunction judge = rewards(context).judge("model", PluginConfig.of(Map.of(
                "stage", "judge", "max_new_tokens", 8), "test"));
        List<Judgement> first = new ArrayList<>();
        List<Judgement> second = new ArrayList<>();
        for (List<Judgement> into : List.of(first, second)) {
            for (String text : List.of("yes", "x", "\u0000\uFFFF{rubric}\uD800")) {
                into.add(judge.judge(TinyJudges.ITEM, judged(text)));
            }
        }
        assertEquals(first, second);
    }

    @Test
    void aPromptTooLongForTheJudgeIsUnparsedNotCut() {
        RlTestContext context = context(TinyJudges.untrained(4));
        JudgeFunction judge = rewards(context).judge("model", PluginConfig.of(Map.of(
                "stage", "judge", "template", TinyJudges.TEMPLATE), "test"));
        Judgement judgement = judge.judge(TinyJudges.ITEM, judged("cat ".repeat(20)));
        assertFalse(judgement.parsed());
        assertTrue(judgement.rationale().contains("max_seq " + TinyJudges.MAX_SEQUENCE),
                judgement.rationale());
    }

    @Test
    void theJudgeModelIsFrozenAndLoadedOncePerStage() {
        LlamaModel judgeModel = TinyJudges.untrained(4);
        RlTestContext context = context(judgeModel);
        StageRewardContext rewards = rewards(context);
        PluginConfig config = PluginConfig.of(Map.of("stage", "judge"), "test");
        ModelJudge first = (ModelJudge) rewards.judge("model", config);
        ModelJudge second = (ModelJudge) rewards.judge("model", config);
        assertTrue(judgeModel.parameters().names().stream()
                .allMatch(judgeModel.parameters()::isFrozen));
        assertSame(first.model(), second.model());
        assertSame(judgeModel, first.model());
    }

    @Test
    void otherJudgeIdsGoToThePlugins() {
        RlTestContext context = context(TinyJudges.untrained(4));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> rewards(context).judge("oracle", PluginConfig.empty()));
        assertTrue(unknown.getMessage().contains("oracle"), unknown.getMessage());
    }

    @Test
    void keysAreCheckedByName() {
        RlTestContext context = context(TinyJudges.untrained(4));
        Map<String, Object> cases = new LinkedHashMap<>();
        cases.put("temperature", Map.of("stage", "judge", "temperature", 0.5));
        cases.put("stage", Map.of("template", "{completion}"));
        cases.put("max_new_tokens", Map.of("stage", "judge", "max_new_tokens", 0));
        cases.put("scale", Map.of("stage", "judge", "scale", 0));
        cases.put("template", Map.of("stage", "judge", "template", "{answer} {completion}"));
        cases.put("run", Map.of("stage", "judge", "run", folder.resolve("nowhere").toString()));
        for (Map.Entry<String, Object> c : cases.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> judgeConfig = (Map<String, Object>) c.getValue();
            ConfigException e = assertThrows(ConfigException.class, () -> new RubricReward()
                    .create(PluginConfig.of(Map.of("judge", "model", "judge_config",
                    judgeConfig), "recipe.yaml"), rewards(context)), c.getKey());
            assertEquals(c.getKey(), e.key(), e.getMessage());
            assertTrue(e.getMessage().contains("judge_config"), e.getMessage());
        }
        ConfigException nul = assertThrows(ConfigException.class, () -> new RubricReward()
                .create(PluginConfig.of(Map.of("judge", "model", "judge_config", Map.of("stage",
                "judge", "run", "runs/\u0000")), "recipe.yaml"), rewards(context)));
        assertEquals("run", nul.key(), nul.getMessage());
        assertTrue(nul.getMessage().contains("one this system cannot open"), nul.getMessage());
    }

    @Test
    void aMissingStageOrOneAFolderLacksIsAnErrorOnStage() {
        RlTestContext context = context(TinyJudges.untrained(4));
        ConfigException later = assertThrows(ConfigException.class, () -> rewards(context)
                .judge("model", PluginConfig.of(Map.of("stage", "policy"), "recipe.yaml")));
        assertEquals("stage", later.key());
        assertTrue(later.getMessage().contains("'policy'") && later.getMessage()
                .contains("judge"), later.getMessage());
        ConfigException elsewhere = assertThrows(ConfigException.class, () -> rewards(context)
                .judge("model", PluginConfig.of(Map.of("stage", "judge", "run",
                folder.toString()), "recipe.yaml")));
        assertEquals("stage", elsewhere.key());
        assertTrue(elsewhere.getMessage().contains(folder.toString()), elsewhere.getMessage());
        // A judge model whose max_seq leaves no room for a prompt.
        ConfigException room = assertThrows(ConfigException.class, () -> rewards(context)
                .judge("model", PluginConfig.of(Map.of("stage", "judge", "max_new_tokens",
                TinyJudges.MAX_SEQUENCE), "recipe.yaml")));
        assertEquals("max_new_tokens", room.key());
        // A judge model of another vocabulary cannot read this run's tokens.
        RlTestContext other = context(TinyJudges.untrained(4)).earlierStage("chars",
                new LlamaModel(ModelConfig.llama(12, 8, 1, 1, 1, 16), new ParameterStore(
                        new Autograd(new JavaBackend()), 1),
                        List.of(new FullAttentionPlugin())));
        ConfigException vocab = assertThrows(ConfigException.class, () -> rewards(other)
                .judge("model", PluginConfig.of(Map.of("stage", "chars"), "recipe.yaml")));
        assertEquals("stage", vocab.key());
        assertTrue(vocab.getMessage().contains("vocabulary"), vocab.getMessage());
    }
}
