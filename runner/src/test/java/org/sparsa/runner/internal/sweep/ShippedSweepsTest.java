package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.run.ShippedPlugins;

/** The shipped sweeps plan into valid trials against the shipped plugins. */
class ShippedSweepsTest {
    // Surefire runs in the module folder.
    private static final Path NSA_MQAR = Path.of("../recipes/nsa-mqar.yaml");
    private static final Path ABLATION_TOPK = Path.of("../recipes/ablation-topk.yaml");
    private static final Path NSA_NEEDLE = Path.of("../recipes/nsa-needle.yaml");

    private final SweepPlanner planner = new SweepPlanner(new RecipeLoader(new ShippedPlugins()));

    @Test
    void nsaMqarComparesNsaWithFullAttention() throws Exception {
        SweepManifest manifest = planner.plan(NSA_MQAR, List.of());
        assertEquals(List.of("0-attention=nsa", "1-attention=full"),
                manifest.trials().stream().map(Trial::name).toList());
        assertEquals(List.of("model.attention={\"id\":\"full\"}"),
                manifest.trials().get(1).overrides());
        assertTrue(manifest.trials().get(0).overrides().get(0).contains("\"select_count\":4"));
        assertEquals("eval/recall", manifest.metric());
        assertTrue(manifest.maximise());
    }

    @Test
    void extraSeedsAndPlainOverridesComeFromTheCommandLine() throws Exception {
        SweepManifest manifest = planner.plan(NSA_MQAR, List.of("sweep.seeds=[0,1,2]",
                "stages.0.steps=200"));
        assertEquals(6, manifest.trials().size());
        assertEquals("5-attention=full_seed=2", manifest.trials().get(5).name());
        assertEquals(List.of("sweep.seeds=[0,1,2]", "stages.0.steps=200"),
                manifest.overrides());
    }

    @Test
    void ablationTopkRunsEachTopkWithTwoSeeds() throws Exception {
        SweepManifest manifest = planner.plan(ABLATION_TOPK, List.of());
        assertEquals(List.of("0-top_k=2_seed=0", "1-top_k=2_seed=1", "2-top_k=8_seed=0",
                "3-top_k=8_seed=1", "4-top_k=32_seed=0", "5-top_k=32_seed=1"),
                manifest.trials().stream().map(Trial::name).toList());
        assertEquals(List.of("model.attention.config.top_k=32", "seed=1"),
                manifest.trials().get(5).overrides());
        assertEquals("eval/recall", manifest.metric());
        assertTrue(manifest.maximise());
    }

    @Test
    void nsaNeedleComparesNsaWithFullAttentionOnTheNeedleGrid() throws Exception {
        SweepManifest manifest = planner.plan(NSA_NEEDLE, List.of());
        assertEquals(List.of("0-attention=nsa", "1-attention=full"),
                manifest.trials().stream().map(Trial::name).toList());
        assertEquals(List.of("model.attention={\"id\":\"full\"}"),
                manifest.trials().get(1).overrides());
        assertTrue(manifest.trials().get(0).overrides().get(0).contains("\"id\":\"nsa\""));
        assertEquals("eval/exact_match", manifest.metric());
        assertTrue(manifest.maximise());
    }
}
