package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
    private static final String RECIPE = """
            name: tiny
            model: {dim: 32, layers: 1, heads: 2}
            task: {id: mqar}
            stages: [{kind: pretrain, steps: 10}]
            """;

    private final RecipeLoader loader = new RecipeLoader(FakePlugins.standard());

    @Test
    void defaultFolderIsNamedAfterTheRecipeAndStart() {
        assertEquals("runs/tiny-20260102-030405",
                RunFolder.defaultDir("tiny", LocalDateTime.of(2026, 1, 2, 3, 4, 5)));
    }

    @Test
    void createsTheFolderWithTheResolvedRecipeOnly(@TempDir Path base) throws Exception {
        Recipe recipe = loader.load("tiny.yaml", RECIPE, List.of()).withOutputDir("runs/a/b");
        RunFolder folder = RunFolder.create(base, new ResolvedRecipe(recipe, null));
        assertEquals(base.resolve("runs/a/b"), folder.path());
        try (var files = Files.list(folder.path())) {
            assertEquals(List.of(ResolvedRecipe.FILE_NAME),
                    files.map(p -> p.getFileName().toString()).toList());
        }
        Recipe again = loader.load(folder.path().resolve(ResolvedRecipe.FILE_NAME), List.of());
        assertEquals(recipe, again);
    }

    @Test
    void anInvalidRecipeLeavesNoFolder(@TempDir Path base) {
        String dir = base.resolve("runs/never").toString();
        assertThrows(RecipeException.class, () -> loader.load("tiny.yaml",
                RECIPE.replace("steps: 10", "steps: -1"), List.of("output.dir=" + dir)));
        assertFalse(Files.exists(base.resolve("runs")));
    }

    @Test
    void refusesAFolderThatHoldsFilesUnlessResuming(@TempDir Path base) throws Exception {
        Files.createDirectories(base.resolve("runs/old"));
        Files.writeString(base.resolve("runs/old/metrics.jsonl"), "{}\n");
        Recipe recipe = loader.load("tiny.yaml", RECIPE, List.of("output.dir=runs/old"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunFolder.create(base, new ResolvedRecipe(recipe, null)));
        assertEquals("output.dir runs/old: already holds files; choose another output.dir, or "
                + "set resume=auto to continue the run there", e.getMessage());
        assertFalse(Files.exists(base.resolve("runs/old").resolve(ResolvedRecipe.FILE_NAME)));

        Recipe resuming = loader.load("tiny.yaml", RECIPE,
                List.of("output.dir=runs/old", "resume=auto"));
        RunFolder.create(base, new ResolvedRecipe(resuming, null));
        assertTrue(Files.exists(base.resolve("runs/old").resolve(ResolvedRecipe.FILE_NAME)));
    }

    @Test
    void anEmptyExistingFolderIsUsed(@TempDir Path base) throws Exception {
        Files.createDirectories(base.resolve("runs/empty"));
        Recipe recipe = loader.load("tiny.yaml", RECIPE, List.of("output.dir=runs/empty"));
        RunFolder.create(base, new ResolvedRecipe(recipe, null));
        try (var files = Files.list(base.resolve("runs/empty"))) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void anUnwritableFolderIsRefusedBeforeTheRunStarts(@TempDir Path base) throws Exception {
        // Permission bits do not stop root, so the folder is made impossible instead: its
        // parent is a regular file.
        Files.writeString(base.resolve("file"), "x");
        Recipe recipe = loader.load("tiny.yaml", RECIPE, List.of())
                .withOutputDir("file/run");
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> RunFolder.create(base, new ResolvedRecipe(recipe, null)));
        assertTrue(e.getMessage().startsWith("output.dir " + base.resolve("file/run")
                + ": cannot be written ("), e.getMessage());
        assertTrue(e.getMessage().contains("the run does not start"), e.getMessage());
    }

    @Test
    void tooLittleFreeSpaceIsRefusedAndLeavesNoFolder(@TempDir Path base) throws Exception {
        Recipe recipe = loader.load("tiny.yaml", RECIPE, List.of()).withOutputDir("runs/full");
        System.setProperty(RunFolder.MIN_FREE_PROPERTY, Long.toString(Long.MAX_VALUE >> 21));
        try {
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> RunFolder.create(base, new ResolvedRecipe(recipe, null)));
            assertTrue(e.getMessage().startsWith("output.dir " + base.resolve("runs/full")
                    + ": only "), e.getMessage());
            assertTrue(e.getMessage().contains("MiB free on its file system, a run needs at "
                    + "least " + (Long.MAX_VALUE >> 21) + " MiB"), e.getMessage());
        } finally {
            System.clearProperty(RunFolder.MIN_FREE_PROPERTY);
        }
        assertFalse(Files.exists(base.resolve("runs")));
    }
}
