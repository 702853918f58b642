package org.sparsa.runner.internal.cli;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.core.compute.Backend;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.plugins.PluginServices;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.plugins.UsedPlugins;
import org.sparsa.runner.internal.recipe.PluginLookup;
import org.sparsa.runner.internal.recipe.Provenance;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.RegistryPluginLookup;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import org.sparsa.runner.internal.recipe.RunFolder;
import org.sparsa.runner.internal.run.PluginBlame;
import org.sparsa.runner.internal.run.RunModule;
import org.sparsa.runner.internal.report.RunReport;
import org.sparsa.runner.internal.run.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sparsa run}: validates a recipe, wires the run (model, task, stage kinds from the
 * plugins) before anything is written, then makes the run folder and trains. An invalid recipe
 * or a plugin that rejects its configuration leaves no folder behind; a run that fails midway
 * keeps its folder (log, metrics, checkpoints, report) so that {@code resume=auto} can continue
 * it.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a recipe: train and evaluate its stages in a new run folder "
                + "(output.dir, default runs/NAME-TIMESTAMP), or continue one with resume=auto.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    private final Supplier<PluginLookup> lookup;
    private final Supplier<PluginSource> plugins;
    private final Supplier<List<String>> bundles;
    private final Path workingFolder;
    private final PrintStream console;

    @Mixin
    RecipeArguments arguments;

    @Option(names = "--folder", paramLabel = "DIR",
            description = "Run in DIR instead of output.dir. DIR may exist and hold other files "
                    + "(a sweep keeps its trial log there); it is refused only when it already "
                    + "holds a run and resume is not auto.")
    Path explicitFolder;

    @Option(names = "--scale", paramLabel = "F", defaultValue = "1",
            description = "Multiply each training stage's steps, schedule.warmup, eval_every and "
                    + "checkpoint_every by F (after the overrides; eval stages keep theirs), "
                    + "e.g. --scale 4 for a four times longer run (default: ${DEFAULT-VALUE}).")
    double scale;

    @Spec
    CommandSpec spec;

    public RunCommand(BundleContext context) {
        this(() -> new RegistryPluginLookup(new PluginCatalog(context)),
                () -> new PluginServices(context), () -> Provenance.installedBundles(context),
                Path.of("").toAbsolutePath(), System.err);
    }

    /**
     * @param plugins where the run's plugin objects come from; closed after the run when it is
     *     {@link AutoCloseable}
     * @param workingFolder where a relative {@code output.dir} lies and whose git commit is
     *     recorded
     * @param console where progress shows
     */
    RunCommand(Supplier<PluginLookup> lookup, Supplier<PluginSource> plugins,
            Supplier<List<String>> bundles, Path workingFolder, PrintStream console) {
        this.lookup = lookup;
        this.plugins = plugins;
        this.bundles = bundles;
        this.workingFolder = workingFolder;
        this.console = console;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Recipe valid;
        try {
            RecipeLoader.Loaded loaded = new RecipeLoader(lookup.get()).loadWithSweep(
                    arguments.recipe.toString(), RecipeLoader.readText(arguments.recipe),
                    arguments.overrides, scale);
            valid = loaded.recipe();
            if (loaded.sweep() != null) {
                out.println("note: " + arguments.recipe + " defines a sweep, which `sparsa run` "
                        + "leaves out; `sparsa sweep " + arguments.recipe + "` runs its trials");
            }
        } catch (RecipeException e) {
            ValidateCommand.report(err, arguments.recipe.toString(), e);
            return 1;
        }
        LocalDateTime start = LocalDateTime.now(ZoneOffset.UTC);
        if (explicitFolder != null) {
            valid = valid.withOutputDir(workingFolder.resolve(explicitFolder).normalize()
                    .toString());
        } else if (valid.outputDir() == null) {
            valid = valid.withOutputDir(RunFolder.defaultDir(valid.name(), start));
        }
        Path dir = workingFolder.resolve(valid.outputDir()).normalize();
        PluginSource source = plugins.get();
        UsedPlugins used = new UsedPlugins(source);
        Injector injector;
        TrainingRun run;
        try {
            injector = Guice.createInjector(new RunModule(valid, new RunFolder(dir), used));
            // Builds the model and task now, so that a plugin refusing its configuration stops
            // the run before its folder exists.
            run = injector.getInstance(TrainingRun.class);
        } catch (ProvisionException | CreationException e) {
            err.println(arguments.recipe + ": cannot set up the run: "
                    + new PluginBlame(used).message(e));
            closeQuietly(source);
            return 1;
        }
        Backend backend = injector.getInstance(Backend.class);
        try {
            RunFolder folder = createFolder(valid, start, backend, err);
            if (folder == null) {
                return 1;
            }
            out.println("run folder: " + folder.path());
            out.flush();
            return train(run, folder, out, err);
        } finally {
            backend.close();
            closeQuietly(source);
        }
    }

    private RunFolder createFolder(Recipe valid, LocalDateTime start, Backend backend,
            PrintWriter err) throws IOException {
        List<String> commandLine = new ArrayList<>(List.of("sparsa", "run"));
        commandLine.addAll(spec.commandLine().getParseResult().originalArgs());
        Provenance provenance = new Provenance(Provenance.gitCommit(workingFolder),
                bundles.get(), Provenance.currentJvm(),
                valid.backend().name().toLowerCase(Locale.ROOT), backend.kind().name()
                        .toLowerCase(Locale.ROOT), backend.description(), valid.seed(),
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(start) + "Z", commandLine);
        try {
            return RunFolder.create(workingFolder, new ResolvedRecipe(valid, provenance),
                    explicitFolder != null);
        } catch (IllegalArgumentException | IOException e) {
            // An unwritable or full output folder: refused before anything runs.
            err.println(arguments.recipe + ": " + e.getMessage());
            return null;
        }
    }

    private int train(TrainingRun run, RunFolder folder, PrintWriter out, PrintWriter err)
            throws IOException {
        try {
            Path result = run.run(console);
            out.println("result: " + result);
            out.println("report: " + folder.path().resolve(RunReport.FILE_NAME));
            return 0;
        } catch (Exception e) {
            err.println(arguments.recipe + ": the run failed: " + rootMessage(e));
            err.println("its folder keeps the log, metrics and checkpoints; continue it with "
                    + "resume=auto output.dir=" + folder.path());
            return 1;
        } finally {
            out.flush();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private static void closeQuietly(Object resource) {
        if (resource instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("cannot release the run's plugins", e);
            }
        }
    }
}
