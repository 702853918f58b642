package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import picocli.CommandLine;

class RunCommandTest {
    private static final String RECIPE = """
            name: tiny
            model: {dim: 32, layers: 1, heads: 2}
            task: {id: mqar}
            stages: [{kind: pretrain, steps: 10}]
            """;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Path workingFolder, String... args) {
        CommandLine line = new CommandLine(new RunCommand(() -> ValidateCommandTest.PLUGINS,
                () -> List.of("org.sparsa.runner 0.1.0"), workingFolder));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    @Test
    void printsTheResolvedRecipeAndCreatesNothingWhileTrainingIsNotWired(@TempDir Path dir)
            throws Exception {
        Path recipe = dir.resolve("tiny.yaml");
        Files.writeString(recipe, RECIPE);
        assertEquals(RunCommand.NOT_WIRED, run(dir, recipe.toString(), "seed=5"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("runs")));
        String text = out.toString();
        assertTrue(text.contains("\nseed: 5\n"), text);
        assertTrue(text.contains("  command_line:\n    - sparsa\n    - run\n"), text);
        assertTrue(text.contains("    - seed=5\n"), text);
        assertTrue(text.contains("  bundles:\n    - org.sparsa.runner 0.1.0\n"), text);
        assertTrue(text.matches("(?s).*# run folder: .*runs/tiny-\\d{8}-\\d{6}\n.*"), text);
        assertTrue(text.contains("training is not wired"), text);
        // The printed recipe reproduces this one.
        Path resolved = dir.resolve("resolved.yaml");
        Files.writeString(resolved, text);
        new RecipeLoader(ValidateCommandTest.PLUGINS).load(resolved, List.of());
    }

    @Test
    void anInvalidRecipeCreatesNothing(@TempDir Path dir) throws Exception {
        Path recipe = dir.resolve("tiny.yaml");
        Files.writeString(recipe, RECIPE);
        assertEquals(1, run(dir, recipe.toString(), "stages.0.steps=0"));
        assertTrue(err.toString().contains("stages[0].steps: expected an integer of at least 1"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("runs")));
    }
}
