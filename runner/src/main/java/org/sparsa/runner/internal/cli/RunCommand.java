package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.recipe.BackendPlan;
import org.sparsa.runner.internal.recipe.PluginLookup;
import org.sparsa.runner.internal.recipe.Provenance;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.RegistryPluginLookup;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import org.sparsa.runner.internal.recipe.RunFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sparsa run}: validates a recipe, makes its run folder and writes
 * {@code config.resolved.yaml} with provenance. Training is not wired in yet: the command then
 * says so and exits with {@link #NOT_WIRED}, leaving the prepared folder.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Validate a recipe, create its run folder and write config.resolved.yaml "
                + "with provenance. Training itself is not wired in yet (exit code 3).")
public final class RunCommand implements Callable<Integer> {
    /** Exit code saying the run folder was prepared but training is not wired in yet. */
    static final int NOT_WIRED = 3;

    private final Supplier<PluginLookup> plugins;
    private final Supplier<List<String>> bundles;
    private final Path workingFolder;

    @Mixin
    RecipeArguments arguments;

    @Spec
    CommandSpec spec;

    public RunCommand(BundleContext context) {
        this(() -> new RegistryPluginLookup(new PluginCatalog(context)),
                () -> Provenance.installedBundles(context), Path.of("").toAbsolutePath());
    }

    /**
     * @param workingFolder where a relative {@code output.dir} lies and whose git commit is
     *     recorded
     */
    RunCommand(Supplier<PluginLookup> plugins, Supplier<List<String>> bundles,
            Path workingFolder) {
        this.plugins = plugins;
        this.bundles = bundles;
        this.workingFolder = workingFolder;
    }

    @Override
    public Integer call() throws IOException {
        Recipe valid;
        try {
            valid = new RecipeLoader(plugins.get()).load(arguments.recipe,
                    arguments.overrides);
        } catch (RecipeException e) {
            ValidateCommand.report(spec.commandLine().getErr(), arguments.recipe.toString(),
                    e);
            return 1;
        }
        LocalDateTime start = LocalDateTime.now(ZoneOffset.UTC);
        if (valid.outputDir() == null) {
            valid = valid.withOutputDir(RunFolder.defaultDir(valid.name(), start));
        }
        BackendPlan backend = BackendPlan.probe(valid.backend());
        List<String> commandLine = new ArrayList<>(List.of("sparsa", "run"));
        commandLine.addAll(spec.commandLine().getParseResult().originalArgs());
        Provenance provenance = new Provenance(Provenance.gitCommit(workingFolder),
                bundles.get(), Provenance.currentJvm(),
                valid.backend().name().toLowerCase(java.util.Locale.ROOT), backend.resolved(),
                backend.device(), valid.seed(),
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(start) + "Z", commandLine);
        RunFolder folder = RunFolder.create(workingFolder,
                new ResolvedRecipe(valid, provenance));
        PrintWriter out = spec.commandLine().getOut();
        out.println("run folder: " + folder.path());
        out.println("wrote " + folder.path().resolve(ResolvedRecipe.FILE_NAME));
        out.println("training is not wired into 'sparsa run' yet: the folder holds the resolved "
                + "recipe and provenance only (exit code " + NOT_WIRED + ")");
        out.flush();
        return NOT_WIRED;
    }
}
