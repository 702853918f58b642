package org.sparsa.runner.internal.cli;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.recipe.PluginLookup;
import org.sparsa.runner.internal.recipe.RecipeDefaults;
import org.sparsa.runner.internal.recipe.RecipeError;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.RegistryPluginLookup;
import org.sparsa.runner.internal.sweep.ChildJvmLauncher;
import org.sparsa.runner.internal.sweep.ClusterMember;
import org.sparsa.runner.internal.sweep.ClusterSettings;
import org.sparsa.runner.internal.sweep.ClusterSweepRunner;
import org.sparsa.runner.internal.sweep.InvalidTrialsException;
import org.sparsa.runner.internal.sweep.MemberAddress;
import org.sparsa.runner.internal.sweep.ShellQuote;
import org.sparsa.runner.internal.sweep.SlurmOptions;
import org.sparsa.runner.internal.sweep.SlurmScripts;
import org.sparsa.runner.internal.sweep.SweepAggregate;
import org.sparsa.runner.internal.sweep.SweepFolder;
import org.sparsa.runner.internal.sweep.SweepManifest;
import org.sparsa.runner.internal.sweep.SweepOutcome;
import org.sparsa.runner.internal.sweep.SweepPlanner;
import org.sparsa.runner.internal.sweep.SweepRunner;
import org.sparsa.runner.internal.sweep.Trial;
import org.sparsa.runner.internal.sweep.TrialHost;
import org.sparsa.runner.internal.sweep.TrialLauncher;
import org.sparsa.runner.internal.sweep.TrialTask;
import org.sparsa.runner.internal.sweep.Workers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.sparsa.core.io.BoundedReads;

/**
 * {@code sparsa sweep}: expands a recipe's sweep into trials, validates every trial before any
 * runs, records the sweep in {@code sweep.yaml}, runs the unfinished trials as separate
 * {@code sparsa run} processes and aggregates the results; with {@code --emit slurm} it writes
 * a Slurm job array that runs them instead.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run a recipe's sweep: its sweep: block and KEY=A,B lists on the command "
                + "line (plain KEY=VALUE overrides apply to every trial). Every trial is "
                + "validated first; each runs as its own `sparsa run` in "
                + "DIR/trials/N-NAME/. A rerun skips finished trials and reruns failed ones. "
                + "Ends with `sparsa aggregate DIR`; exits 1 when any trial failed. With "
                + "--emit slurm, writes DIR/submit.sh and the Slurm scripts it submits "
                + "instead of running the trials; with --cluster, runs them on Hazelcast "
                + "members started by `sparsa worker`.")
public final class SweepCommand implements Callable<Integer> {
    private final Supplier<PluginLookup> plugins;
    private final LauncherFactory launchers;
    private final Path workingFolder;

    /** Makes the launcher of a sweep's trials. */
    interface LauncherFactory {
        TrialLauncher create(Path recipe, List<String> overrides, Path workingFolder);
    }

    @Mixin
    RecipeArguments arguments;

    @Option(names = "--workers", paramLabel = "N", description = "Trials run at once (default: "
            + "half the cores, at most one per 2 GiB of free memory, at least 1).")
    Integer workers;

    @Option(names = "--out", paramLabel = "DIR", description = "The sweep folder (default: "
            + "runs/NAME-sweep, NAME the recipe's name).")
    Path out;

    @Option(names = "--dry-run", description = "Validate every trial and list them; run "
            + "nothing, write nothing.")
    boolean dryRun;

    @Option(names = "--emit", paramLabel = "slurm", description = "Run nothing here: write "
            + "a Slurm job array of the trials (sweep.sbatch), its aggregation "
            + "(aggregate.sbatch) and submit.sh into the sweep folder.")
    String emit;

    @Option(names = "--throttle", paramLabel = "N", description = "With --emit slurm: at most "
            + "N trials run at once (the array's %%N).")
    Integer throttle;

    @Option(names = "--partition", paramLabel = "NAME", description = "With --emit slurm: the "
            + "jobs' partition.")
    String partition;

    @Option(names = "--time", paramLabel = "LIMIT", description = "With --emit slurm: each "
            + "trial's time limit, as Slurm writes it (such as 4:00:00).")
    String time;

    @Option(names = "--cpus-per-task", paramLabel = "N", description = "With --emit slurm: "
            + "each trial's CPUs.")
    Integer cpusPerTask;

    @Option(names = "--mem", paramLabel = "SIZE", description = "With --emit slurm: each "
            + "trial's memory, as Slurm writes it (such as 16G).")
    String mem;

    @Option(names = "--cluster", description = "Run the trials on Hazelcast members (sparsa "
            + "worker) instead of a local pool; this process joins the cluster as the "
            + "coordinator and collects the trial folders.")
    boolean cluster;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "With --cluster: the "
            + "cluster's name, which workers give as --cluster (default: sparsa-HASH, HASH the "
            + "start of the sweep's hash).")
    String clusterName;

    @Option(names = "--members", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "With "
            + "--cluster: members to join, such as workers started before the sweep.")
    String members;

    @Option(names = "--bind", paramLabel = "HOST", description = "With --cluster: the address "
            + "to listen on and announce (default: " + ClusterSettings.LOOPBACK + ").")
    String bind;

    @Option(names = "--port", paramLabel = "P", description = "With --cluster: the port to "
            + "listen on (default: " + ClusterSettings.DEFAULT_PORT + " or the next free one).")
    Integer port;

    @Option(names = "--slots", paramLabel = "N", description = "With --cluster: trials this "
            + "process runs itself (default: 0, it only coordinates).")
    Integer slots;

    @Spec
    CommandSpec spec;

    /** {@link #members} parsed, once the options are checked. */
    private List<MemberAddress> memberList = List.of();

    public SweepCommand(BundleContext context) {
        this(() -> new RegistryPluginLookup(new PluginCatalog(context)), ChildJvmLauncher::new,
                Path.of("").toAbsolutePath());
    }

    SweepCommand(Supplier<PluginLookup> plugins, LauncherFactory launchers,
            Path workingFolder) {
        this.plugins = plugins;
        this.launchers = launchers;
        this.workingFolder = workingFolder;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter console = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SlurmOptions slurm;
        try {
            slurm = slurmOptions();
            checkClusterOptions();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return CommandLineEntry.USAGE_ERROR;
        }
        SweepManifest manifest;
        try {
            manifest = new SweepPlanner(new RecipeLoader(plugins.get()))
                    .plan(arguments.recipe, arguments.overrides);
        } catch (RecipeException e) {
            ValidateCommand.report(err, arguments.recipe.toString(), e);
            return 1;
        } catch (InvalidTrialsException e) {
            err.println("invalid: " + arguments.recipe + " (" + e.getMessage() + "; nothing "
                    + "was run)");
            for (Map.Entry<Trial, RecipeException> trial : e.invalid().entrySet()) {
                err.println("  trial " + trial.getKey().name() + " ("
                        + String.join(" ", trial.getKey().overrides()) + "):");
                for (RecipeError error : trial.getValue().errors()) {
                    err.println("    " + error);
                }
            }
            err.flush();
            return 1;
        }
        if (dryRun) {
            console.println("valid: " + manifest.trials().size() + " trials");
            for (Trial trial : manifest.trials()) {
                console.println("  " + trial.name() + "  " + String.join(" ",
                        trial.overrides()));
            }
            console.flush();
            return 0;
        }
        Path dir = workingFolder.resolve(out != null ? out
                : Path.of(RecipeDefaults.RUNS_FOLDER, manifest.name() + "-sweep")).normalize();
        int pool = workers != null ? workers : Workers.byDefault();
        if (pool < 1) {
            throw new IllegalArgumentException("--workers: expected at least 1, found " + pool);
        }
        SweepFolder folder;
        try {
            folder = SweepFolder.prepare(dir, manifest);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return CommandLineEntry.USAGE_ERROR;
        }
        console.println("sweep folder: " + dir);
        if (slurm != null) {
            return emitSlurm(manifest, dir, slurm, console);
        }
        SweepOutcome outcome;
        if (cluster) {
            outcome = runOnCluster(manifest, folder, console);
        } else {
            TrialLauncher launcher = launchers.create(arguments.recipe, manifest.overrides(),
                    workingFolder);
            outcome = new SweepRunner(folder, launcher, pool).run(manifest, console);
        }
        Path results = SweepAggregate.write(dir);
        console.println("results: " + results);
        console.println("trials: " + outcome.skipped() + " skipped (finished before), "
                + outcome.succeeded() + " finished now, " + outcome.failed().size() + " failed");
        console.flush();
        if (!outcome.failed().isEmpty()) {
            err.println("failed trials (run the sweep again to retry them):");
            outcome.failed().forEach(f -> err.println("  " + f));
            err.flush();
            return 1;
        }
        return 0;
    }

    /**
     * The Slurm options when {@code --emit slurm} is given, else null.
     *
     * @throws IllegalArgumentException for another {@code --emit}, a Slurm option without it,
     *     {@code --workers} with it, or an invalid value; the message names the option
     */
    private SlurmOptions slurmOptions() {
        if (emit == null) {
            for (Object[] option : new Object[][] {{"--throttle", throttle},
                    {"--partition", partition}, {"--time", time},
                    {"--cpus-per-task", cpusPerTask}, {"--mem", mem}}) {
                if (option[1] != null) {
                    throw new IllegalArgumentException(option[0] + " applies to Slurm sweeps "
                            + "only; add --emit slurm");
                }
            }
            return null;
        }
        if (!"slurm".equals(emit)) {
            throw new IllegalArgumentException("--emit: expected slurm, found '" + emit + "'");
        }
        if (workers != null) {
            throw new IllegalArgumentException("--workers applies to local sweeps only; with "
                    + "--emit slurm, --throttle N limits the trials running at once");
        }
        return new SlurmOptions(throttle, partition, time, cpusPerTask, mem);
    }

    /**
     * Checks that the cluster options come with {@code --cluster} and not with {@code --emit}
     * or {@code --workers}.
     *
     * @throws IllegalArgumentException naming the option that does not apply
     */
    private void checkClusterOptions() {
        if (!cluster) {
            for (Object[] option : new Object[][] {{"--cluster-name", clusterName},
                    {"--members", members}, {"--bind", bind}, {"--port", port},
                    {"--slots", slots}}) {
                if (option[1] != null) {
                    throw new IllegalArgumentException(option[0] + " applies to clustered "
                            + "sweeps only; add --cluster");
                }
            }
            return;
        }
        if (emit != null) {
            throw new IllegalArgumentException("--cluster and --emit exclude each other: the "
                    + "trials run either on a Hazelcast cluster or as a Slurm job array");
        }
        if (workers != null) {
            throw new IllegalArgumentException("--workers applies to local sweeps only; with "
                    + "--cluster, each worker's --slots says how many trials it runs at once");
        }
        // Checked before the sweep is planned, so that a typo costs no validation of trials.
        memberList = members != null ? MemberAddress.parseList("--members", members) : List.of();
        new ClusterSettings("check", bind != null ? bind : ClusterSettings.LOOPBACK, port,
                memberList, slots != null ? slots : 0);
    }

    /**
     * Runs the trials on the cluster this process joins as its coordinator, then leaves it.
     */
    private SweepOutcome runOnCluster(SweepManifest manifest, SweepFolder folder,
            PrintWriter console) throws IOException, InterruptedException {
        String name = clusterName != null ? clusterName : defaultClusterName(manifest);
        ClusterSettings settings = new ClusterSettings(name,
                bind != null ? bind : ClusterSettings.LOOPBACK, port, memberList,
                slots != null ? slots : 0);
        String recipeText = BoundedReads.readString(arguments.recipe,
                BoundedReads.CONFIG_LIMIT);
        String recipeName = arguments.recipe.getFileName().toString();
        TrialHost host = settings.slots() == 0 ? null : new TrialHost(Path.of(
                System.getProperty("java.io.tmpdir"), "sparsa-worker-"
                        + ProcessHandle.current().pid()), workingFolder, launchers::create);
        HazelcastInstance member = ClusterMember.start(settings, host);
        try {
            String address = ClusterMember.address(member);
            console.println("cluster: " + name + ", coordinator " + address + ", "
                    + member.getCluster().getMembers().size() + " members; add workers with: "
                    + "sparsa worker --join " + address + " --cluster " + name);
            console.flush();
            return new ClusterSweepRunner(folder, member, trial -> new TrialTask(trial,
                    recipeName, recipeText, manifest.overrides())).run(manifest, console);
        } finally {
            member.shutdown();
        }
    }

    /** {@code sparsa-} and the first 8 hex digits of the sweep's hash. */
    static String defaultClusterName(SweepManifest manifest) {
        String hash = manifest.hash();
        String hex = hash.substring(hash.indexOf(':') + 1);
        return "sparsa-" + hex.substring(0, Math.min(8, hex.length()));
    }

    private int emitSlurm(SweepManifest manifest, Path dir, SlurmOptions slurm,
            PrintWriter console) throws IOException {
        SlurmScripts scripts = new SlurmScripts(manifest, dir, arguments.recipe, workingFolder,
                SlurmScripts.defaultSparsa(System.getProperty("sparsa.home")), slurm);
        List<Path> written = scripts.write();
        console.println("slurm: " + manifest.trials().size() + " trials as job array "
                + scripts.arraySpec() + "; wrote");
        for (Path file : written) {
            console.println("  " + file);
        }
        console.println("submit with: bash "
                + ShellQuote.asWord(dir.resolve(SlurmScripts.SUBMIT_SCRIPT).toString()));
        console.flush();
        return 0;
    }
}
