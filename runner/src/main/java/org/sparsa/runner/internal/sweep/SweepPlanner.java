package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.runner.internal.recipe.RecipeError;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import org.sparsa.runner.internal.recipe.SweepSpec;

/**
 * Plans a sweep before anything runs: reads the recipe and its {@code sweep:} block, adds the
 * command line's {@code KEY=A,B} lists, expands the trials, and validates every trial's recipe
 * the way {@code sparsa run} will, plugins included, so that a bad value in one trial stops the
 * sweep before its first run.
 */
public final class SweepPlanner {
    private final RecipeLoader loader;

    public SweepPlanner(RecipeLoader loader) {
        this.loader = loader;
    }

    /**
     * The sweep of {@code recipe} with command-line {@code overrides}.
     *
     * @throws RecipeException when the recipe itself, its sweep block or the command line is
     *     invalid, or there is nothing to sweep
     * @throws InvalidTrialsException when some trials' recipes are invalid, naming each
     * @throws IOException when the recipe cannot be read
     */
    public SweepManifest plan(Path recipe, List<String> overrides) throws IOException {
        String source = recipe.toString();
        String text = RecipeLoader.readText(recipe);
        CommandLineSweep commandLine = CommandLineSweep.parse(overrides);
        RecipeLoader.Loaded base = loader.loadWithSweep(source, text, commandLine.plain());
        SweepSpec spec = (base.sweep() == null ? SweepSpec.emptyGrid() : base.sweep())
                .withParameters(commandLine.swept());
        if (spec.parameters().isEmpty() && spec.seeds().isEmpty()) {
            throw new RecipeException(source, List.of(new RecipeError("sweep", "nothing to "
                    + "sweep: the recipe has no sweep: block with parameters or seeds, and no "
                    + "override lists values (KEY=A,B)", source)));
        }
        List<Trial> trials = TrialExpander.expand(spec);
        Map<Trial, RecipeException> invalid = new LinkedHashMap<>();
        MessageDigest digest = sha256();
        for (Trial trial : trials) {
            List<String> all = new ArrayList<>(commandLine.plain());
            all.addAll(trial.overrides());
            try {
                String resolved = new ResolvedRecipe(loader.load(source, text, all), null)
                        .toYaml();
                digest.update((trial.name() + "\n" + resolved + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (RecipeException e) {
                invalid.put(trial, e);
            }
        }
        if (!invalid.isEmpty()) {
            throw new InvalidTrialsException(invalid, trials.size());
        }
        return new SweepManifest(source, base.recipe().name(), commandLine.plain(), spec.raw(),
                spec.metric(), spec.goal(), "sha256:" + HexFormat.of().formatHex(digest.digest()),
                trials);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256.
            throw new IllegalStateException(e);
        }
    }
}
