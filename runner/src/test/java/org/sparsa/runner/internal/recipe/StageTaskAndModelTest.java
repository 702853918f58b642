package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stage's own {@code task:} and {@code model:} (specialists), read, checked and written back. */
class StageTaskAndModelTest {
    private static final String RECIPE = """
            name: specialists
            model:
              dim: 64
              layers: 2
              heads: 4
              max_seq: 128
            task:
              id: mqar
            stages:
              - name: spec-arithmetic
                kind: pretrain
                steps: 10
                task:
                  id: arithmetic
                  config: {digits: 1}
                model:
                  dim: 32
                  layers: 1
                  heads: 2
                  max_seq: 64
              - kind: eval
                steps: 1
            """;

    private final RecipeLoader loader = new RecipeLoader(FakePlugins.standard());

    private Recipe load(String text, String... overrides) {
        return loader.load("recipe.yaml", text, List.of(overrides));
    }

    @Test
    void aStageReadsItsOwnTaskAndModelWithDefaultsFilledIn() {
        Recipe recipe = load(RECIPE);
        StageSpec specialist = recipe.stages().get(0);
        assertEquals(new PluginRef("arithmetic", Map.of("digits", 1)), specialist.task());
        assertEquals(32, specialist.model().dim());
        assertEquals(16, specialist.model().headDim());
        assertEquals("byte", specialist.model().tokenizer());
        // seq_len defaults to the stage's own model's max_seq.
        assertEquals(64, specialist.seqLen());
        StageSpec eval = recipe.stages().get(1);
        assertNull(eval.task());
        assertNull(eval.model());
    }

    @Test
    void theResolvedRecipeKeepsThemAndLoadsAsTheSameRecipe() {
        Recipe recipe = load(RECIPE);
        String yaml = new ResolvedRecipe(recipe, null).toYaml();
        assertEquals(recipe, load(yaml));
    }

    @Test
    void errorsNameTheStagesKeys() {
        RecipeException e = assertThrows(RecipeException.class, () -> load(RECIPE,
                "stages.0.model.tokenizer=char", "stages.0.seq_len=100",
                "stages.0.task.id=arithmetc"));
        String errors = String.join("\n", e.errors().stream().map(RecipeError::toString)
                .toList());
        assertTrue(errors.contains("stages[0].model.tokenizer: expected the recipe's tokenizer"),
                errors);
        assertTrue(errors.contains("stages[0].seq_len: expected at most model.max_seq (64)"),
                errors);
        assertTrue(errors.contains("stages[0].task.id: unknown task 'arithmetc'"), errors);
    }
}
