package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every recipe shipped in {@code recipes/} (plugin configurations live in its subfolders) and
 * every complete recipe in {@code docs/recipes.md} validates against the standard plugins; the
 * doc's partial snippets at least parse and name only known keys.
 */
class ShippedRecipesTest {
    // Surefire runs in the module folder.
    private static final Path ROOT = Path.of("..");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```",
            Pattern.DOTALL);

    private final RecipeLoader loader = new RecipeLoader(FakePlugins.standard());

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
                if (snippet.contains("stages:") && snippet.contains("task:")) {
                    loader.load("docs/recipes.md snippet", snippet, List.of());
                    complete++;
                } else {
                    // A fragment: it must parse and add no key a full recipe would reject.
                    LocatedYaml.parse("docs/recipes.md snippet", snippet);
                }
            } catch (RecipeException e) {
                problems.add(e.getMessage());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(complete > 0, "docs/recipes.md shows no complete recipe");
    }
}
