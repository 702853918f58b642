package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.compute.BackendKind;

class RecipeLoaderTest {
    private static final String SMALL = """
            name: small
            model:
              dim: 64
              layers: 2
              heads: 4
              max_seq: 128
            task:
              id: mqar
            stages:
              - kind: pretrain
                steps: 300
                lr: 1.0e-3
              - kind: eval
                steps: 10
            """;

    private final RecipeLoader loader = new RecipeLoader(FakePlugins.standard());

    private Recipe load(String text, String... overrides) {
        return loader.load("recipe.yaml", text, List.of(overrides));
    }

    private List<String> errors(String text, String... overrides) {
        RecipeException e = assertThrows(RecipeException.class, () -> load(text, overrides));
        return e.errors().stream().map(RecipeError::toString).toList();
    }

    @Test
    void scaleMultipliesTrainingStagesLengthsAfterTheOverrides() {
        String recipe = SMALL.replace("steps: 300", """
                steps: 300
                    schedule: {kind: cosine, warmup: 30}
                    eval_every: 100
                    checkpoint_every: 0""");
        StageSpec scaled = loader.loadWithSweep("recipe.yaml", recipe,
                List.of("stages.0.eval_every=50"), 2.5).recipe().stages().get(0);
        assertEquals(750, scaled.steps());
        assertEquals(75, scaled.schedule().warmup());
        assertEquals(125, scaled.evalEvery(), "the override, then the scale");
        assertEquals(0, scaled.checkpointEvery(), "0, only at the end, stays so");
        StageSpec eval = loader.loadWithSweep("recipe.yaml", recipe, List.of(), 2.5).recipe()
                .stages().get(1);
        assertEquals(10, eval.steps(), "an eval stage's steps are batches scored");
        StageSpec tiny = loader.loadWithSweep("recipe.yaml", recipe,
                List.of("stages.0.schedule.warmup=0"), 0.004).recipe().stages().get(0);
        assertEquals(1, tiny.steps());
        assertEquals(1, tiny.evalEvery(), "a positive length stays at least 1");
    }

    @Test
    void aScaleThatBreaksTheRecipeIsNamedInTheErrorAndABadScaleIsRefused() {
        String recipe = SMALL.replace("steps: 300", """
                steps: 300
                    schedule: {kind: cosine, warmup: 299}""");
        RecipeException e = assertThrows(RecipeException.class,
                () -> loader.loadWithSweep("recipe.yaml", recipe, List.of(), 0.002));
        assertTrue(e.errors().stream().anyMatch(error -> error.toString().contains(
                "299 times --scale 0.002")), e.errors().toString());
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            RecipeException refused = assertThrows(RecipeException.class,
                    () -> loader.loadWithSweep("recipe.yaml", SMALL, List.of(), bad));
            assertTrue(refused.errors().get(0).toString().contains(
                    "--scale: expected a positive number"), refused.errors().toString());
        }
    }

    @Test
    void maxNonFiniteStepsDefaultsToFiveAndMustBePositive() {
        assertEquals(5, load(SMALL).stages().get(0).maxNonFiniteSteps());
        assertEquals(2, load(SMALL, "stages.0.max_nonfinite_steps=2").stages().get(0)
                .settings().maxNonFiniteSteps());
        List<String> errors = errors(SMALL, "stages.0.max_nonfinite_steps=0");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("stages[0].max_nonfinite_steps: expected"),
                errors.toString());
    }

    @Test
    void stepTimeoutDefaultsTo1800SecondsAcceptsZeroAndRefusesNegatives() {
        assertEquals(1800, load(SMALL).stages().get(0).stepTimeout());
        assertEquals(0, load(SMALL, "stages.0.step_timeout=0").stages().get(0).stepTimeout());
        assertEquals(3, load(SMALL, "stages.0.step_timeout=3").stages().get(0).stepTimeout());
        List<String> errors = errors(SMALL, "stages.0.step_timeout=-1");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("stages[0].step_timeout: expected an integer of at "
                + "least 0, found -1"), errors.toString());
        List<String> text = errors(SMALL, "stages.0.step_timeout=soon");
        assertEquals(1, text.size(), text.toString());
        assertTrue(text.get(0).startsWith("stages[0].step_timeout: expected an integer"),
                text.toString());
    }

    @Test
    void defaultsAreFilledIn() {
        Recipe recipe = load(SMALL);
        assertEquals("small", recipe.name());
        assertEquals(0, recipe.seed());
        assertEquals(BackendKind.AUTO, recipe.backend());
        ModelSpec model = recipe.model();
        assertEquals("byte", model.tokenizer());
        assertNull(model.vocab());
        assertEquals(4, model.kvHeads());
        assertEquals(16, model.headDim());
        assertEquals(256, model.ffnHidden());
        assertEquals(new PluginRef("full", Map.of("window", 0)), model.attention());
        assertEquals(Map.of("pairs", 8, "queries", 4), recipe.task().config());
        StageSpec pretrain = recipe.stages().get(0);
        assertEquals("pretrain", pretrain.name());
        assertEquals(16, pretrain.batch());
        assertEquals(128, pretrain.seqLen());
        assertEquals(1e-3, pretrain.lr());
        assertEquals(new Schedule("constant", 0, 0.0), pretrain.schedule());
        assertEquals(Map.of("samples", 256), recipe.stages().get(1).config());
        assertNull(recipe.outputDir());
        assertEquals("never", recipe.resume());
    }

    @Test
    void pathsThisPlatformCannotOpenAreRefusedWithTheCharacterShown() {
        // YAML's double-quoted "\0" is a NUL character.
        List<String> errors = errors(SMALL + "resume: \"a\\0b\"\noutput: {dir: \"runs/\\0\"}\n");
        assertEquals(2, errors.size(), errors.toString());
        assertEquals("resume: expected a file or folder path, found 'a\\u0000b': Nul character "
                + "not allowed (recipe.yaml line 15)", errors.get(0));
        assertTrue(errors.get(1).startsWith("output.dir: expected a file or folder path, found "
                + "'runs/\\u0000'"), errors.toString());
    }

    @Test
    void unknownKeysNameTheLineAndSuggestTheNearest() {
        String text = SMALL.replace("  heads: 4\n", "  heads: 4\n  dimm: 3\n")
                .replace("    steps: 300\n", "    stpes: 300\n");
        assertEquals(List.of(
                "model.dimm: unknown key in model; did you mean 'dim'? (recipe.yaml line 6)",
                "stages[0].steps: missing; expected a positive integer (recipe.yaml line 11)",
                "stages[0].stpes: unknown key in stages[0]; did you mean 'steps'? "
                        + "(recipe.yaml line 12)"),
                errors(text));
    }

    @Test
    void unknownTopLevelKeyWithoutNearNameListsTheAllowed() {
        List<String> errors = errors(SMALL + "colour: blue\n");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("colour: unknown key; expected one of [backend, "
                + "model, name, output, resume, seed, stages, sweep, task]"), errors.get(0));
        assertTrue(errors.get(0).endsWith("(recipe.yaml line 15)"), errors.get(0));
    }

    @Test
    void wrongTypesSayWhatWasExpectedAndFound() {
        String text = SMALL.replace("    steps: 10\n", "    steps: 10\n    lr: fast\n")
                .replace("  layers: 2\n", "  layers: [2]\n");
        assertEquals(List.of(
                "model.layers: expected an integer, found a list (recipe.yaml line 4)",
                "stages[1].lr: expected a number, found 'fast' (recipe.yaml line 15)"),
                errors(text));
    }

    @Test
    void rangesAreChecked() {
        String text = SMALL.replace("  heads: 4\n", "  heads: 6\n  kv_heads: 4\n")
                .replace("    steps: 300\n", "    steps: 0\n")
                .replace("    lr: 1.0e-3\n", "    lr: -1\n    seq_len: 4096\n");
        assertEquals(List.of(
                "model.heads: dim (64) is not a multiple of heads (6); change one or set "
                        + "head_dim (recipe.yaml line 5)",
                "model.kv_heads: heads (6) must be a multiple of kv_heads (4) "
                        + "(recipe.yaml line 6)",
                "stages[0].steps: expected an integer of at least 1, found 0 "
                        + "(recipe.yaml line 12)",
                "stages[0].lr: expected a number above 0, found -1.0 (recipe.yaml line 13)",
                "stages[0].seq_len: expected at most model.max_seq (128), found 4096 "
                        + "(recipe.yaml line 14)"),
                errors(text));
    }

    @Test
    void trainableGlobsLearningRateGroupsAndLossWeightsAreReadInOrder() {
        Recipe recipe = load(SMALL.replace("    lr: 1.0e-3\n", """
                    lr: 1.0e-3
                    trainable: ["*.indexer.*", "model.norm.*"]
                    lr_groups: {"*.indexer.wq": 2.0e-3, "*.indexer.*": 1.0e-4}
                    lm_loss_weight: 0
                    aux_loss_weight: 0.5
                """));
        StageSpec stage = recipe.stages().get(0);
        assertEquals(List.of("*.indexer.*", "model.norm.*"), stage.trainable());
        assertEquals(List.of("*.indexer.wq", "*.indexer.*"), List.copyOf(stage.lrGroups()
                .keySet()));
        assertEquals(1.0e-4, stage.lrGroups().get("*.indexer.*"));
        assertEquals(0.0, stage.settings().lmLossWeight());
        assertEquals(0.5, stage.settings().auxLossWeight());
        StageSpec plain = recipe.stages().get(1);
        assertEquals(List.of(), plain.trainable());
        assertEquals(Map.of(), plain.lrGroups());
        assertEquals(1.0, plain.settings().lmLossWeight());
        assertEquals(1.0, plain.settings().auxLossWeight());
    }

    @Test
    void badTrainableGlobsRatesAndWeightsNameTheirLines() {
        String text = SMALL.replace("    lr: 1.0e-3\n", """
                    lr: 1.0e-3
                    trainable: [3]
                    lr_groups:
                      "*.indexer.*": 1.0e-3
                      "*.norm": -2
                    lm_loss_weight: 0
                    aux_loss_weight: 0
                """);
        assertEquals(List.of(
                "stages[0].trainable[0]: expected a parameter name glob such as 'model.embed*', "
                        + "found '3' (recipe.yaml line 13)",
                "stages[0].lr_groups.*.norm: expected a number of at least 0, found -2.0 "
                        + "(recipe.yaml line 16)",
                "stages[0].aux_loss_weight: expected a weight above 0 when lm_loss_weight is "
                        + "0, since the stage would have nothing to train on "
                        + "(recipe.yaml line 18)"),
                errors(text));
    }

    @Test
    void headDimGivenLiftsTheDivisibilityRule() {
        Recipe recipe = load(SMALL.replace("  heads: 4\n", "  heads: 6\n  head_dim: 8\n"));
        assertEquals(8, recipe.model().headDim());
    }

    @Test
    void unknownPluginIdsListTheKnownOnes() {
        String text = SMALL.replace("  id: mqar", "  id: mqr")
                .replace("  - kind: eval", "  - kind: evaluate")
                .replace("  max_seq: 128\n", "  max_seq: 128\n  attention:\n    id: sparse\n");
        assertEquals(List.of(
                "model.attention.id: unknown attention 'sparse'; known: full "
                        + "(recipe.yaml line 8)",
                "task.id: unknown task 'mqr' (did you mean 'mqar'?); known: arithmetic, "
                        + "corpus, mqar, needle, passkey (recipe.yaml line 10)",
                "stages[1].kind: unknown stage 'evaluate'; known: eval, pretrain, sft "
                        + "(recipe.yaml line 15)"),
                errors(text));
    }

    @Test
    void pluginConfigsAreCheckedAgainstDeclaredKeys() {
        String text = SMALL.replace("  id: mqar\n", "  id: mqar\n  config:\n    pairz: 3\n"
                + "    queries: many\n")
                .replace("  max_seq: 128\n", "  max_seq: 128\n  attention:\n    id: full\n"
                        + "    config: {windw: 3}\n")
                .replace("  - kind: pretrain\n", "  - kind: pretrain\n    config: {x: 1}\n");
        assertEquals(List.of(
                "model.attention.config.windw: unknown key for attention 'full'; did you mean "
                        + "'window'? (recipe.yaml line 9)",
                "task.config.pairz: unknown key for task 'mqar'; did you mean 'pairs'? "
                        + "(recipe.yaml line 13)",
                "task.config.queries: expected an integer, found 'many' (recipe.yaml line 14)",
                "stages[0].config.x: unknown key for stage 'pretrain'; it takes no "
                        + "configuration (recipe.yaml line 17)"),
                errors(text));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String text = """
                model:
                  dim: 64
                stages: fast
                """;
        List<String> errors = errors(text);
        assertEquals(List.of(
                "task: missing; expected a map with the task's id and config (recipe.yaml)",
                "model.layers: missing; expected a positive integer (recipe.yaml line 1)",
                "model.heads: missing; expected a positive integer (recipe.yaml line 1)",
                "stages: expected a list, found 'fast' (recipe.yaml line 3)"), errors);
    }

    @Test
    void aMissingSectionIsOneProblem() {
        assertEquals(List.of("model: missing; expected a map with dim, layers, heads, … "
                + "(recipe.yaml)"), errors(SMALL.substring(SMALL.indexOf("task:"))));
    }

    @Test
    void syntaxErrorsNameTheLine() {
        RecipeException e = assertThrows(RecipeException.class,
                () -> load("model:\n  dim: [64\nstages: []\n"));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).where().startsWith("recipe.yaml line "),
                e.errors().get(0).toString());
        assertTrue(e.getMessage().startsWith("recipe.yaml: 1 error\n  not valid YAML: "),
                e.getMessage());
    }

    @Test
    void aSecondDocumentIsAnError() {
        assertEquals(List.of("a second YAML document (after '---') starts here; a recipe is "
                + "one document (recipe.yaml line 16)"), errors(SMALL + "---\nname: other\n"));
    }

    @Test
    void duplicateKeysAreErrors() {
        assertEquals(List.of("seed: given twice (first at recipe.yaml line 15) "
                + "(recipe.yaml line 16)"), errors(SMALL + "seed: 1\nseed: 2\n"));
    }

    @Test
    void overridesApplyIncludingListIndices() {
        Recipe recipe = load(SMALL, "stages.0.lr=3e-4", "model.attention.id=full",
                "model.attention.config.window=64", "seed=7", "stages.1.eval_every=5",
                "output.dir=runs/x", "model.moe={experts: 4}");
        assertEquals(3e-4, recipe.stages().get(0).lr());
        assertEquals(new PluginRef("full", Map.of("window", 64)), recipe.model().attention());
        assertEquals(7, recipe.seed());
        assertEquals(5, recipe.stages().get(1).evalEvery());
        assertEquals("runs/x", recipe.outputDir());
        assertEquals(new MoeSpec(4, 2, false, 256, List.of(0, 1)), recipe.model().moe());
    }

    @Test
    void overridesReachNewSectionsAndReplacedMapsAreCheckedWhole() {
        Recipe recipe = load(SMALL, "model.per_layer.1.attention.config.window=16");
        assertEquals(Map.of(1, new PluginRef("full", Map.of("window", 16))),
                recipe.model().perLayerAttention());
        assertEquals(List.of("model.attention.config.windw: unknown key for attention 'full'; "
                + "did you mean 'window'? (override 'model.attention={config: {windw: 2}}')"),
                errors(SMALL, "model.attention={config: {windw: 2}}"));
    }

    @Test
    void badOverridesNameTheOverride() {
        assertEquals(List.of(
                "model.dimm: unknown key in model; did you mean 'dim'? "
                        + "(override 'model.dimm=3')",
                "stages.5.lr: '5' is not an entry of stages, which has 2 entries (0 to 1) "
                        + "(override 'stages.5.lr=1')",
                "stages[0].lr: expected a number, found 'fast' (override 'stages.0.lr=fast')",
                "seed.x: seed is a value ('0'), so it has no key 'x' (override 'seed.x=1')",
                "expected KEY=VALUE, with a dotted KEY such as stages.0.lr (override 'lr')"),
                sortedByOverride(errors(SMALL + "seed: 0\n", "model.dimm=3", "stages.5.lr=1",
                        "stages.0.lr=fast", "seed.x=1", "lr")));
    }

    private static List<String> sortedByOverride(List<String> errors) {
        List<String> order = List.of("dimm", "stages.5", "fast", "seed.x", "'lr'");
        return errors.stream().sorted(java.util.Comparator.comparingInt(e -> {
            for (int i = 0; i < order.size(); i++) {
                if (e.contains(order.get(i))) {
                    return i;
                }
            }
            return order.size();
        })).toList();
    }

    @Test
    void stagesGetUniqueNames() {
        Recipe recipe = load(SMALL.replace("  - kind: eval", "  - kind: pretrain"));
        assertEquals(List.of("pretrain-0", "pretrain-1"),
                recipe.stages().stream().map(StageSpec::name).toList());
        assertEquals(List.of("stages[1].name: another stage is already named 'a' "
                + "(recipe.yaml line 16)"), errors(SMALL.replace("  - kind: pretrain\n",
                "  - kind: pretrain\n    name: a\n") + "    name: a\n"));
    }

    @Test
    void perLayerAttentionAndMoe() {
        Recipe recipe = load(SMALL.replace("  max_seq: 128\n", """
                  max_seq: 128
                  per_layer:
                    1:
                      attention: {config: {window: 32}}
                  moe:
                    experts: 8
                    top_k: 2
                    shared_expert: true
                    layers: [1]
                """));
        assertEquals(Map.of(1, new PluginRef("full", Map.of("window", 32))),
                recipe.model().perLayerAttention());
        assertEquals(new MoeSpec(8, 2, true, 256, List.of(1)), recipe.model().moe());
        assertEquals(List.of("model.per_layer.2: expected a layer index from 0 to 1, found '2' "
                + "(recipe.yaml line 8)",
                "model.moe.top_k: expected at most experts (2), found 3 (recipe.yaml line 11)"),
                errors(SMALL.replace("  max_seq: 128\n", """
                  max_seq: 128
                  per_layer:
                    2: {attention: {id: full}}
                  moe:
                    experts: 2
                    top_k: 3
                """)));
    }
}
