package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sparsa.runner.internal.run.ShippedPlugins;

/**
 * Every recipe shipped in {@code recipes/} (plugin configurations live in its subfolders) and
 * every YAML snippet in {@code docs/recipes.md} validates against the core plugins, a
 * partial snippet once the sections it leaves out are added.
 */
class ShippedRecipesTest {
    // Surefire runs in the module folder.
    private static final Path ROOT = Path.of("..");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```",
            Pattern.DOTALL);

    /** What a snippet that shows one section is completed with. */
    private static final Map<String, String> BASE = Map.of(
            "model", "model: {dim: 64, layers: 4, heads: 4}\n",
            "task", "task: {id: mqar}\n",
            "stages", "stages: [{kind: pretrain, steps: 10}]\n");

    /** The real core plugins, so that every key a recipe or the docs use is one they declare. */
    private final RecipeLoader loader = new RecipeLoader(new ShippedPlugins());

    @TestFactory
    Stream<DynamicTest> shippedRecipesAreValid() throws Exception {
        List<Path> recipes;
        try (Stream<Path> files = Files.list(ROOT.resolve("recipes"))) {
            recipes = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(recipes.isEmpty(), "no recipes under recipes/");
        return recipes.stream().map(file -> DynamicTest.dynamicTest(file.getFileName()
                .toString(), () -> loader.load(file, List.of())));
    }

    @Test
    void docSnippetsParse() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/recipes.md"));
        Matcher m = YAML_BLOCK.matcher(doc);
        List<String> problems = new ArrayList<>();
        int complete = 0;
        while (m.find()) {
            String snippet = m.group(1);
            try {
                Set<String> sections = LocatedYaml.parse("docs/recipes.md snippet", snippet)
                        .root().keySet();
                StringBuilder recipe = new StringBuilder(snippet);
                BASE.forEach((section, text) -> {
                    if (!sections.contains(section)) {
                        recipe.append(text);
                    }
                });
                complete += sections.containsAll(BASE.keySet()) ? 1 : 0;
                loader.load("docs/recipes.md snippet", recipe.toString(), List.of());
            } catch (RecipeException e) {
                problems.add(e.getMessage());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(complete > 0, "docs/recipes.md shows no complete recipe");
    }
}
