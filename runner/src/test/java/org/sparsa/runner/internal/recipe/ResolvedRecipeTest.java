package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.runner.internal.run.ShippedPlugins;

class ResolvedRecipeTest {
    private final RecipeLoader loader = new RecipeLoader(new ShippedPlugins());

    private static final String FULL = """
            name: everything
            seed: 42
            backend: java
            model:
              tokenizer: char
              vocab: 300
              dim: 96
              layers: 3
              heads: 6
              kv_heads: 2
              max_seq: 256
              attention: {id: full, config: {window: 64}}
              per_layer:
                0: {attention: {config: {window: 0}}}
              moe: {experts: 4, top_k: 1, layers: [1, 2]}
            task: {id: corpus, config: {path: data/tiny.txt}}
            stages:
              - name: warm
                kind: pretrain
                steps: 100
                lr: 3e-4
                schedule: {kind: cosine, warmup: 10, min_lr: 1e-5}
                frozen: ["model.embed*"]
                attention_mode: dense
                config: {}
              - kind: sft
                steps: 50
                weight_decay: 0.1
                config: {eval_examples: 64}
              - kind: eval
                steps: 5
            resume: never
            """;

    @Test
    void resolvedYamlLoadsAsTheSameRecipe() {
        Recipe recipe = loader.load("full.yaml", FULL, List.of("stages.1.lr=1e-4"))
                .withOutputDir("runs/everything-20260101-000000");
        Provenance provenance = new Provenance("abc", List.of("org.sparsa.runner 0.1.0"),
                "Vendor 17", "java", "java", "host CPU, 4 threads", 42, "2026-01-01T00:00:00Z",
                List.of("sparsa", "run", "full.yaml", "stages.1.lr=1e-4"));
        String text = new ResolvedRecipe(recipe, provenance).toYaml();
        Recipe again = loader.load(ResolvedRecipe.FILE_NAME, text, List.of());
        assertEquals(recipe, again);
        assertEquals(text, new ResolvedRecipe(again, provenance).toYaml());
        assertTrue(text.contains("provenance:\n  git_sha: abc\n"), text);
        assertTrue(text.contains("  head_dim: 16\n"), text);
    }

    @Test
    void theQuickstartRoundTripsWithoutProvenance() {
        Recipe recipe = loader.load("q.yaml", """
                model: {dim: 64, layers: 2, heads: 4}
                task: {id: mqar}
                stages: [{kind: pretrain, steps: 10}]
                """, List.of()).withOutputDir("runs/q");
        String text = new ResolvedRecipe(recipe, null).toYaml();
        assertEquals(recipe, loader.load("again.yaml", text, List.of()));
    }
}
