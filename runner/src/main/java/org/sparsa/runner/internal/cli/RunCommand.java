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
 * {@code sparsa run}: validates a recipe and resolves it with provenance. Training is not wired
 * in yet, so the command prints the resolved recipe and the folder the run would get, creates
 * nothing (a run folder without a run would only mislead), and exits with {@link #NOT_WIRED}.
 * Once stages run, it makes the folder with {@link RunFolder#create} and trains.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Validate a recipe and print it resolved, with provenance. Training is not "
                + "wired in yet: nothing is created (exit code 3).")
public final class RunCommand implements Callable<Integer> {
    /** Exit code saying the recipe is valid but training is not wired in yet. */
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
        ResolvedRecipe resolved = new ResolvedRecipe(valid, provenance);
        PrintWriter out = spec.commandLine().getOut();
        out.print(resolved.toYaml());
        out.println("# run folder: " + workingFolder.resolve(valid.outputDir()).normalize());
        out.println("# training is not wired into 'sparsa run' yet: nothing was created (exit "
                + "code " + NOT_WIRED + ")");
        out.flush();
        return NOT_WIRED;
    }
}
