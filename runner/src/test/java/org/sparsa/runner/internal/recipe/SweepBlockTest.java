package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SweepBlockTest {
    private static final String BASE = """
            name: small
            model: {dim: 64, layers: 2, heads: 4, max_seq: 128}
            task: {id: mqar}
            stages:
              - kind: pretrain
                steps: 300
            """;

    private final RecipeLoader loader = new RecipeLoader(FakePlugins.standard());

    private SweepSpec sweep(String block) {
        return loader.loadWithSweep("recipe.yaml", BASE + block, List.of()).sweep();
    }

    private List<String> errors(String block) {
        RecipeException e = assertThrows(RecipeException.class, () -> sweep(block));
        return e.errors().stream().map(RecipeError::toString).toList();
    }

    @Test
    void aRecipeWithoutABlockHasNoSweep() {
        assertNull(sweep(""));
    }

    @Test
    void readsAGridWithSeedsMetricAndGoal() {
        SweepSpec spec = sweep("""
                sweep:
                  parameters:
                    stages.0.lr: [1.0e-4, 3.0e-4]
                    model.attention: [{id: full}, {name: other, value: {id: full}}]
                  seeds: [0, 1]
                  metric: eval/recall
                  goal: max
                """);
        assertEquals("grid", spec.method());
        assertEquals(new SweepParameter.Choices(List.of(1.0e-4, 3.0e-4)),
                spec.parameters().get("stages.0.lr"));
        assertEquals(2, ((SweepParameter.Choices) spec.parameters().get("model.attention"))
                .values().size());
        assertEquals(List.of(0L, 1L), spec.seeds());
        assertEquals("eval/recall", spec.metric());
        assertEquals(true, spec.maximise());
    }

    @Test
    void readsRandomRangesAndDefaultsTheMetricToTheLoss() {
        SweepSpec spec = sweep("""
                sweep:
                  method: random
                  trials: 6
                  seed: 9
                  parameters:
                    stages.0.lr: {log_uniform: [1.0e-5, 1.0e-2]}
                    stages.0.batch: {range: [8, 32]}
                    stages.0.weight_decay: {range: [0.0, 0.1]}
                    model.attention.id: [full, nsa]
                """);
        assertEquals(new SweepParameter.LogUniform(1e-5, 1e-2),
                spec.parameters().get("stages.0.lr"));
        assertEquals(new SweepParameter.Range(8, 32, true),
                spec.parameters().get("stages.0.batch"));
        assertEquals(new SweepParameter.Range(0, 0.1, false),
                spec.parameters().get("stages.0.weight_decay"));
        assertEquals(6, spec.trials());
        assertEquals(9, spec.randomSeed());
        assertEquals("loss", spec.metric());
        assertEquals("min", spec.goal());
    }

    @Test
    void everyProblemIsNamedWithItsLine() {
        assertEquals(List.of(
                "sweep.methd: unknown key in sweep; did you mean 'method'? (recipe.yaml line 8)",
                "sweep.parameters.stages.0.lr: a range has no end of grid points; list the "
                        + "values, or make the sweep random (method: random, trials: N) "
                        + "(recipe.yaml line 10)",
                "sweep.parameters.stages.0.batch: expected a list of values (a grid's points), "
                        + "found '8'; a single value is an override, not a sweep "
                        + "(recipe.yaml line 11)",
                "sweep.seeds[1]: seed 0 is listed twice (recipe.yaml line 12)",
                "sweep.trials: only a random sweep takes 'trials'; this one is a grid "
                        + "(method: grid) (recipe.yaml line 13)",
                "sweep.metric: missing goal; expected 'goal: min' or 'goal: max' beside it, "
                        + "saying which end of eval/recall is best (recipe.yaml line 14)"),
                errors("""
                        sweep:
                          methd: random
                          parameters:
                            stages.0.lr: {range: [1, 2]}
                            stages.0.batch: 8
                          seeds: [0, 0]
                          trials: 3
                          metric: eval/recall
                        """));
    }

    @Test
    void randomNeedsTrialsAndOrderedBounds() {
        assertEquals(List.of(
                "sweep.trials: missing; expected the number of configurations to draw, a "
                        + "positive integer (recipe.yaml line 7)",
                "sweep.parameters.stages.0.lr.log_uniform: expected bounds above 0 for a "
                        + "log-uniform draw, found [0, 1] (recipe.yaml line 10)",
                "sweep.parameters.stages.0.batch.range: expected [low, high], two numbers with "
                        + "low below high, found [8, 4] (recipe.yaml line 11)"),
                errors("""
                        sweep:
                          method: random
                          parameters:
                            stages.0.lr: {log_uniform: [0, 1]}
                            stages.0.batch: {range: [8, 4]}
                        """));
    }

    @Test
    void theRecipeAsWrittenStillLoadsForRun() {
        Recipe recipe = loader.load("recipe.yaml", BASE + """
                sweep:
                  parameters: {stages.0.lr: [1.0e-4, 3.0e-4]}
                """, List.of());
        assertEquals(300, recipe.stages().get(0).steps());
    }
}
