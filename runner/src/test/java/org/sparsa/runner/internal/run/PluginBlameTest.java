package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.stage.internal.PretrainStageKind;
import org.sparsa.core.stage.internal.SftStageKind;
import org.sparsa.grpo.internal.GrpoObjective;
import org.sparsa.grpo.internal.rl.RlStageKind;
import org.sparsa.nsa.internal.NsaPlugin;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.plugins.UsedPlugins;

class PluginBlameTest {
    /** A reward plugin that fails as it is made. */
    static final class PickyReward implements RewardModel {
        @Override
        public RewardFunction create(PluginConfig config, RewardContext context) {
            throw new IllegalStateException("no reward for you");
        }
    }

    /** The plugins an RL run on NSA would take, core's built-ins among them. */
    private static UsedPlugins used(boolean withSft) {
        Map<String, Object> plugins = new LinkedHashMap<>();
        plugins.put("ATTENTION/nsa", new NsaPlugin());
        plugins.put("ATTENTION/full", new FullAttentionPlugin());
        plugins.put("STAGE/pretrain", new PretrainStageKind());
        if (withSft) {
            plugins.put("STAGE/sft", new SftStageKind());
        }
        plugins.put("STAGE/rl", new RlStageKind());
        plugins.put("POLICY/grpo", new GrpoObjective());
        plugins.put("REWARD/picky", new PickyReward());
        PluginSource source = new PluginSource() {
            @Override
            public <S> S get(PluginKind kind, String id, Class<S> type) {
                return type.cast(plugins.get(kind + "/" + id));
            }
        };
        UsedPlugins used = new UsedPlugins(source);
        plugins.keySet().forEach(key -> {
            String[] parts = key.split("/");
            used.get(PluginKind.valueOf(parts[0]), parts[1], Object.class);
        });
        return used;
    }

    private static StackTraceElement frame(Class<?> type, String method) {
        return new StackTraceElement(type.getName(), method, type.getSimpleName() + ".java", 10);
    }

    private static StackTraceElement frame(String className, String method) {
        return new StackTraceElement(className, method, "Some.java", 7);
    }

    @Test
    void aRewardThatThrowsIsNamedAtItsFrameThroughTheExceptionsThatWrapIt() {
        UsedPlugins used = used(false);
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> used.get(PluginKind.REWARD, "picky", RewardModel.class).create(
                        PluginConfig.of(Map.of(), "test"), null));
        RuntimeException wrapped = new RuntimeException("the rollout failed",
                new IllegalArgumentException("scoring failed", thrown));
        PluginBlame.Culprit culprit = new PluginBlame(used).of(wrapped).orElseThrow();
        assertEquals("reward plugin 'picky'", culprit.plugin());
        assertTrue(culprit.frame().startsWith(PickyReward.class.getName()
                + ".create(PluginBlameTest.java:"), culprit::frame);
        assertTrue(new PluginBlame(used).message(wrapped).startsWith("reward plugin 'picky' "
                + "failed in " + culprit.frame() + ": java.lang.IllegalStateException: no "
                + "reward for you"));
    }

    @Test
    void engineFramesAreNotBlamedButThePluginThatCalledThemIs() {
        StackTraceElement[] stack = {
            frame("java.lang.Math", "addExact"),
            frame("org.sparsa.core.autograd.internal.Engine", "backward"),
            frame("org.sparsa.nsa.internal.NsaFunction", "forward"),
            frame("org.sparsa.core.model.LlamaModel", "forward"),
            frame("org.sparsa.core.stage.internal.TrainingLoop", "run"),
        };
        assertEquals(Optional.of(new PluginBlame.Culprit("attention plugin 'nsa'",
                "org.sparsa.nsa.internal.NsaFunction.forward(Some.java:7)")),
                new PluginBlame(used(false)).in(stack));
    }

    @Test
    void theDeepestPackageOrTheClassItselfDecidesBetweenPluginsOfOneBundle() {
        PluginBlame blame = new PluginBlame(used(false));
        // The rl stage's package lies inside the objectives' package: the deeper one wins.
        assertEquals("stage plugin 'rl'", blame.in(new StackTraceElement[] {
            frame("org.sparsa.grpo.internal.rl.PolicyUpdate", "step")}).orElseThrow().plugin());
        assertEquals("policy plugin 'grpo'", blame.in(new StackTraceElement[] {
            frame(GrpoObjective.class, "create")}).orElseThrow().plugin());
        assertEquals("stage plugin 'pretrain'", blame.in(new StackTraceElement[] {
            frame("org.sparsa.core.stage.internal.TrainingLoop", "run")}).orElseThrow()
                .plugin());
    }

    @Test
    void pluginsThatShareAPackageAreNamedTogether() {
        assertEquals("stage plugin 'pretrain' or stage plugin 'sft'", new PluginBlame(used(true))
                .in(new StackTraceElement[] {frame("org.sparsa.core.stage.internal.TrainingLoop",
                        "run")}).orElseThrow().plugin());
    }

    @Test
    void aConfigurationErrorOrAStackOfNoPluginNamesNone() {
        PluginBlame blame = new PluginBlame(used(false));
        ConfigException config = assertThrows(ConfigException.class, () -> {
            throw new ConfigException("recipe", "block", "expected a power of two");
        });
        assertEquals(Optional.empty(), blame.of(new RuntimeException(config)));
        assertEquals(Optional.empty(), blame.in(new StackTraceElement[] {
            frame("java.lang.Thread", "sleep"),
            frame("org.sparsa.core.model.LlamaModel", "forward"),
            frame("org.sparsa.runner.internal.cli.RunCommand", "call")}));
        IllegalStateException plain = new IllegalStateException("no such thing");
        plain.setStackTrace(new StackTraceElement[] {frame("java.lang.Thread", "run")});
        assertEquals("no such thing", blame.message(plain));
    }
}
