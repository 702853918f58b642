package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.sparsa.core.io.BoundedReads;
import org.sparsa.runner.internal.run.ShippedPlugins;

/**
 * Fuzzes the recipe loader, the first reader of everything a researcher types: mutations of
 * the shipped recipes, random text, and random {@code KEY=VALUE} overrides on a valid recipe.
 * Each input loads, or is refused with a {@link RecipeException} whose every error says what
 * was wrong and where (a file line or the override); nothing else may escape, hang or exhaust
 * memory.
 */
class RecipeFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String SOURCE = "fuzz.yaml";
    private static final List<String> SHIPPED = shippedRecipes();
    private static final String SMALL = """
            name: small
            model: {dim: 16, layers: 1, heads: 2, max_seq: 32}
            task: {id: mqar}
            stages:
              - kind: pretrain
                steps: 3
                schedule: {kind: cosine, warmup: 1}
                frozen: [model.embed*]
                lr_groups: {"lm_head.*": 1.0e-3}
              - kind: eval
                steps: 1
            sweep:
              grid:
                stages[0].lr: [1.0e-3, 2.0e-3]
            """;

    private final RecipeLoader loader = new RecipeLoader(new ShippedPlugins());

    @Property(tries = 1000)
    void mutatedRecipesLoadOrAreRefusedClearly(@ForAll("mutatedRecipes") String text) {
        loadsOrRefuses(text, List.of());
    }

    @Property(tries = 1000)
    void randomTextLoadsOrIsRefusedClearly(@ForAll("randomText") String text) {
        loadsOrRefuses(text, List.of());
    }

    @Property(tries = 1000)
    void overridesApplyOrAreRefusedClearly(@ForAll("overrides") List<String> overrides) {
        loadsOrRefuses(SMALL, overrides);
    }

    @Example
    void aRecipeLargerThanTheLimitIsRefusedNamingTheLimit() throws IOException {
        Path file = Files.createTempFile("sparsa-fuzz", ".yaml");
        try {
            Files.write(file, new byte[(int) BoundedReads.CONFIG_LIMIT + 1]);
            RecipeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    RecipeException.class, () -> loader.load(file, List.of()));
            assertTrue(e.getMessage().contains("larger than the " + BoundedReads.CONFIG_LIMIT
                    + " bytes a recipe may have"), e.getMessage());
        } finally {
            Files.delete(file);
        }
    }

    @Provide
    Arbitrary<String> mutatedRecipes() {
        return Combinators.combine(Arbitraries.of(SHIPPED), Arbitraries.longs(),
                Arbitraries.integers().between(1, 5)).as(YamlMutations::mutate);
    }

    @Provide
    Arbitrary<String> randomText() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(300),
                Arbitraries.strings().withChars("{}[]:,-#&*!|>'\"\n abc123").ofMaxLength(300));
    }

    @Provide
    Arbitrary<List<String>> overrides() {
        Arbitrary<String> key = Arbitraries.of("name", "seed", "model.dim", "model.heads",
                "stages[0].lr", "stages[0].steps", "stages[1].kind", "stages[7].lr",
                "stages[-1].lr", "stages[99999999999].lr", "stages.lr", "stages[0]", "task.id",
                "task.config.keys", "model", "sweep.grid", "", "a..b", "x[", "stages[0].config.x",
                "output.dir", "resume", "backend");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of("", "1", "-1", "0", "1e999",
                "nan", "[1, 2]", "{a: 1}", "null", "~", "true", "\u0000", "[", "x=y", "*a",
                "9223372036854775808", "full", "/dev/null", "never", "auto"),
                Arbitraries.strings().ofMaxLength(20));
        Arbitrary<String> pair = Combinators.combine(key, value).as((k, v) -> k + "=" + v);
        return Arbitraries.oneOf(pair, Arbitraries.strings().ofMaxLength(30)).list()
                .ofMinSize(1).ofMaxSize(3);
    }

    private void loadsOrRefuses(String text, List<String> overrides) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                loader.loadWithSweep(SOURCE, text, overrides);
            } catch (RecipeException e) {
                assertFalse(e.errors().isEmpty(), e.getMessage());
                for (RecipeError error : e.errors()) {
                    assertFalse(error.problem().isBlank(), e.getMessage());
                    assertTrue(error.where().startsWith(SOURCE)
                            || overrides.stream().anyMatch(o -> error.where().contains(o))
                            || error.where().contains("override"), error.toString());
                }
            }
        });
    }

    private static List<String> shippedRecipes() {
        // Surefire runs in the module folder.
        try (Stream<Path> files = Files.list(Path.of("..", "recipes"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new IllegalStateException(p.toString(), e);
                }
            }).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
