package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.runner.internal.recipe.PluginLookup;
import picocli.CommandLine;

class ValidateCommandTest {
    /** Knows one plugin of each kind a recipe names. */
    static final PluginLookup PLUGINS = new PluginLookup() {
        @Override
        public List<String> ids(PluginKind kind) {
            return switch (kind) {
                case ATTENTION -> List.of("full");
                case TASK -> List.of("mqar");
                case STAGE -> List.of("pretrain");
                default -> List.of();
            };
        }

        @Override
        public Optional<List<ConfigKey>> configKeys(PluginKind kind, String id) {
            return ids(kind).contains(id) ? Optional.of(List.of()) : Optional.empty();
        }
    };

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine line = new CommandLine(new ValidateCommand(() -> PLUGINS));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    @Test
    void aValidRecipeSaysSo(@TempDir Path dir) throws Exception {
        Path recipe = dir.resolve("tiny.yaml");
        Files.writeString(recipe, """
                model: {dim: 32, layers: 1, heads: 2}
                task: {id: mqar}
                stages: [{kind: pretrain, steps: 10}]
                """);
        assertEquals(0, run(recipe.toString(), "seed=3"), err.toString());
        assertEquals("valid: tiny (1 stage)\n", out.toString().replace("\r", ""));
        assertEquals(0, run("--resolved", recipe.toString()));
        assertTrue(out.toString().contains("\nseed: 0\n"), out.toString());
    }

    @Test
    void anInvalidRecipePrintsEveryErrorAndExits1(@TempDir Path dir) throws Exception {
        Path recipe = dir.resolve("bad.yaml");
        Files.writeString(recipe, """
                model: {dim: 32, layers: 1, heads: 2, dimm: 3}
                task: {id: mqar}
                stages: [{kind: pretrain, steps: 10}]
                """);
        assertEquals(1, run(recipe.toString(), "stages.0.lr=fast"));
        assertEquals("invalid: " + recipe + " (2 errors)\n"
                + "  model.dimm: unknown key in model; did you mean 'dim'? (" + recipe
                + " line 1)\n"
                + "  stages[0].lr: expected a number, found 'fast' (override "
                + "'stages.0.lr=fast')\n", err.toString().replace("\r", ""));
        assertEquals("", out.toString());
    }

    @Test
    void aMissingFileIsAnError(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yaml");
        assertEquals(1, run(missing.toString()));
        assertEquals("invalid: " + missing + " (1 error)\n  no such file (" + missing + ")\n",
                err.toString().replace("\r", ""));
    }
}
