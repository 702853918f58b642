package org.sparsa.runner.internal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.Calibration;
import org.sparsa.runner.internal.bench.AttentionPasses;
import org.sparsa.runner.internal.bench.AttentionPlot;
import org.sparsa.runner.internal.bench.AttentionWorkload;
import org.sparsa.runner.internal.bench.BenchContext;
import org.sparsa.runner.internal.bench.BenchModel;
import org.sparsa.runner.internal.bench.BenchReport;
import org.sparsa.runner.internal.bench.BenchTable;
import org.sparsa.runner.internal.bench.Calibrator;
import org.sparsa.runner.internal.bench.DecodeWorkload;
import org.sparsa.runner.internal.bench.GemmWorkload;
import org.sparsa.runner.internal.bench.GrowthExponent;
import org.sparsa.runner.internal.bench.Measurement;
import org.sparsa.runner.internal.bench.TorchBaseline;
import org.sparsa.runner.internal.bench.TrainWorkload;
import org.sparsa.runner.internal.bench.Workload;
import org.sparsa.runner.internal.plugins.PluginServices;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.recipe.Provenance;
import org.sparsa.runner.internal.recipe.RunFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sparsa bench}: Sparsa's side of the PyTorch baseline's workloads with its shapes
 * ({@code org.sparsa.runner.internal.bench}), each the median of repeats after warm-up, on one
 * backend. Prints a table per workload (or, with {@code --json}, one JSON object per
 * measurement as it is made) and writes {@code bench.json} and, for attention,
 * {@code bench-attention.png} into the output folder. With {@code --compare FILE} or
 * {@code --torch COMMAND} the baseline's measurements join the table as ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time Sparsa on the PyTorch baseline's workloads (torch_baseline.py) "
                + "with the same shapes: median of --repeats runs after --warmup runs.",
            "WORKLOAD: gemm (n x n products), attention (one layer per --plugin at each "
                + "--lengths T), train (one training step of the baseline's model), decode "
                + "(greedy generation with the KV caches), or all."})
public final class BenchCommand implements Callable<Integer> {
    private static final List<String> WORKLOADS = List.of("gemm", "attention", "train",
            "decode");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ISO_LOCAL_DATE_TIME;

    private final Supplier<PluginSource> plugins;
    private final Path workingFolder;

    @Parameters(arity = "0..*", paramLabel = "WORKLOAD",
            description = "gemm, attention, train, decode or all.")
    List<String> workloads = new ArrayList<>();

    @Option(names = "--calibrate",
            description = "Instead of workloads: time matmul (--sizes' first, default 1024), "
                    + "full attention and element-wise ops (--lengths' first, default 1024) on "
                    + "java and opencl, and write this machine's calibration, from which "
                    + "--backend auto then picks per op, to --calibration.")
    boolean calibrate;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = "Where --calibrate writes (default: ~/.sparsa/calibration.json, "
                    + "where auto reads).")
    Path calibration;

    @Option(names = "--plugin", split = ",", paramLabel = "ID", defaultValue = "full",
            description = "Attention plugins for attention, train and decode "
                    + "(default: ${DEFAULT-VALUE}), e.g. full,nsa,dsa.")
    List<String> pluginIds;

    @Option(names = "--config", paramLabel = "PLUGIN.KEY=VALUE",
            description = "A plugin's configuration key (repeatable), e.g. dsa.top_k=512; "
                    + "plugins otherwise run with their defaults.")
    List<String> config = new ArrayList<>();

    @Option(names = "--lengths", split = ",", paramLabel = "T",
            description = "Sequence lengths of attention (default: 1024,4096,8192) and train "
                    + "(default: 1024).")
    List<Integer> lengths;

    @Option(names = "--sizes", split = ",", paramLabel = "N",
            description = "Matrix sizes of gemm (default: 512,1024,2048).")
    List<Integer> sizes;

    @Option(names = "--backend", paramLabel = "KIND", defaultValue = "auto",
            description = "java, opencl or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--warmup",
            description = "Untimed runs before the timed ones (default: 1, the baseline's; "
                    + "with --calibrate " + Calibrator.WARMUP + "); more follow until a second "
                    + "of warm-up has passed, so that Java's JIT has compiled the loops; 0 for "
                    + "none.")
    Integer warmup;

    @Option(names = "--repeats",
            description = "Timed runs whose median is reported (default: the baseline's: 5 "
                    + "for gemm and train, 3 for attention and decode).")
    Integer repeats;

    @Option(names = "--mode", defaultValue = "both", paramLabel = "PASSES",
            description = "Attention passes timed: fwd, fwd_bwd or both "
                    + "(default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--heads", defaultValue = "4",
            description = "Query heads of attention and the model (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads",
            description = "Key/value heads (default: as many as --heads, as in the baseline).")
    Integer kvHeads;

    @Option(names = "--head-dim", defaultValue = "64",
            description = "Head width of attention (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(names = "--dim", defaultValue = "256",
            description = "Model width of train and decode (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--layers", defaultValue = "4",
            description = "Model layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--ffn-hidden", defaultValue = "768",
            description = "SwiGLU hidden width (default: ${DEFAULT-VALUE}).")
    int ffnHidden;

    @Option(names = "--vocab", defaultValue = "256",
            description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--prompt", defaultValue = "16",
            description = "Prompt tokens of decode (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = "--new-tokens", defaultValue = "512",
            description = "Tokens decode generates (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the inputs and initial values (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json",
            description = "Print one JSON object per measurement on stdout instead of tables.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for bench.json and bench-attention.png "
                    + "(default: runs/bench-TIMESTAMP).")
    Path out;

    @Option(names = "--compare", paramLabel = "FILE",
            description = "The PyTorch baseline's output (JSON lines) to show ratios against.")
    Path compare;

    @Option(names = "--torch", paramLabel = "COMMAND",
            description = "Run the PyTorch baseline first, e.g. \"python3 torch_baseline.py "
                    + "--threads 2\" (the workloads' names are appended), keep its output in "
                    + "torch.jsonl and show ratios against it.")
    String torch;

    @Spec
    CommandSpec spec;

    public BenchCommand(BundleContext context) {
        this(() -> new PluginServices(context), Path.of("").toAbsolutePath());
    }

    /**
     * @param plugins where the attention plugins come from; closed after the command when it is
     *     {@link AutoCloseable}
     * @param workingFolder where a relative {@code --out} lies
     */
    BenchCommand(Supplier<PluginSource> plugins, Path workingFolder) {
        this.plugins = plugins;
        this.workingFolder = workingFolder;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (calibrate) {
            return calibrate(stdout, err);
        }
        if (workloads.isEmpty()) {
            throw new IllegalArgumentException("name a WORKLOAD (gemm, attention, train, decode "
                    + "or all), or --calibrate");
        }
        if (compare != null && torch != null) {
            throw new IllegalArgumentException("--compare and --torch both give a baseline; "
                    + "use one");
        }
        List<Workload> chosen = workloads();
        PluginConfig configs = pluginConfigs();
        BackendKind kind = backendKind();
        TorchBaseline baseline = compare == null ? null
                : TorchBaseline.read(workingFolder.resolve(compare));
        PluginSource source = plugins.get();
        try {
            return measure(chosen, configs, kind, baseline, source, stdout, err);
        } finally {
            if (source instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    private int measure(List<Workload> chosen, PluginConfig configs, BackendKind kind,
            TorchBaseline baseline, PluginSource source, PrintWriter stdout, PrintWriter err)
            throws Exception {
        if (chosen.stream().anyMatch(w -> !w.name().equals("gemm"))) {
            // An unknown id stops the command before anything is measured or written.
            pluginIds.forEach(id -> source.get(PluginKind.ATTENTION, id, AttentionPlugin.class));
        }
        LocalDateTime start = LocalDateTime.now(ZoneOffset.UTC);
        Path folder = workingFolder.resolve(out != null ? out
                : Path.of(RunFolder.defaultDir("bench", start))).normalize();
        Files.createDirectories(folder);
        if (torch != null) {
            // First, so that the two programs never compete for the cores.
            err.println("running the PyTorch baseline: " + torch);
            baseline = TorchBaseline.run(torch, chosen.stream().map(Workload::name).toList(),
                    folder.resolve("torch.jsonl"), err);
        }

        List<Measurement> measurements = new ArrayList<>();
        Map<String, Object> setting = new LinkedHashMap<>();
        try (Backend compute = Backends.open(kind)) {
            int warmupRuns = warmup == null ? 1 : warmup;
            BenchContext context = new BenchContext(compute, warmupRuns, repeats, seed, source,
                    configs);
            // Under the top-level command the arguments start with "bench" already.
            List<String> args = spec.commandLine().getParseResult().originalArgs();
            List<String> commandLine = new ArrayList<>(List.of("sparsa"));
            if (args.isEmpty() || !args.get(0).equals("bench")) {
                commandLine.add("bench");
            }
            commandLine.addAll(args);
            setting.put("command", commandLine);
            setting.put("started", STAMP.format(start) + "Z");
            setting.put("backend", context.backendName());
            setting.put("device", compute.description());
            setting.put("jvm", Provenance.currentJvm());
            setting.put("processors", Runtime.getRuntime().availableProcessors());
            setting.put("warmup", warmupRuns);
            setting.put("repeats", repeats == null ? "baseline" : repeats);
            setting.put("seed", seed);
            // With --json the measurements are the output; otherwise they show progress.
            PrintWriter progress = json ? stdout : err;
            String prefix = json ? "" : "measured ";
            for (Workload workload : chosen) {
                workload.run(context, m -> {
                    measurements.add(m);
                    progress.println(prefix + m.toJson());
                    progress.flush();
                });
            }
        }

        Path report = BenchReport.write(folder, setting, measurements, baseline);
        Path plot = AttentionPlot.write(measurements, baseline, folder);
        PrintWriter summary = json ? err : stdout;
        if (!json) {
            printTables(stdout, chosen, measurements, baseline);
        }
        summary.println("measurements: " + report);
        if (plot != null) {
            summary.println("plot: " + plot);
        }
        summary.flush();
        return 0;
    }

    /** Measures this machine's op families and writes its calibration. */
    private int calibrate(PrintWriter stdout, PrintWriter err) throws Exception {
        if (!workloads.isEmpty()) {
            throw new IllegalArgumentException("--calibrate measures workloads of its own; "
                    + "leave out " + String.join(" ", workloads));
        }
        Path file = calibration == null ? Calibration.defaultFile()
                : workingFolder.resolve(calibration);
        Calibrator calibrator = new Calibrator(
                sizes != null ? sizes.get(0) : Calibrator.DEFAULT_SIZE,
                lengths != null ? lengths.get(0) : Calibrator.DEFAULT_SIZE);
        PluginSource source = plugins.get();
        Calibration measured;
        try {
            measured = calibrator.measure(source, warmup == null ? Calibrator.WARMUP : warmup,
                    repeats, seed, err);
        } finally {
            if (source instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        measured.write(file);
        TextTable table = new TextTable("op", "java", "opencl", "auto picks");
        measured.choices().forEach((op, choice) -> {
            Map<String, Double> times = measured.seconds().getOrDefault(op, Map.of());
            table.row(op, BenchTable.cell("seconds", times.get("java")),
                    BenchTable.cell("seconds", times.get("opencl")),
                    choice.name().toLowerCase(Locale.ROOT));
        });
        stdout.println("machine: " + measured.machine());
        table.print(stdout);
        stdout.println("calibration: " + file);
        stdout.flush();
        return 0;
    }

    private void printTables(PrintWriter stdout, List<Workload> chosen,
            List<Measurement> measurements, TorchBaseline baseline) {
        for (Workload workload : chosen) {
            stdout.println();
            stdout.println(workload.name());
            List<String[]> rows = BenchTable.rows(workload.name(), measurements, baseline);
            TextTable table = new TextTable(rows.get(0));
            rows.subList(1, rows.size()).forEach(table::row);
            table.print(stdout);
        }
        Map<String, Map<String, Double>> growth = GrowthExponent.of(measurements);
        if (!growth.isEmpty()) {
            stdout.println();
            stdout.println("attention time ~ T^k, k fitted on log-log axes (2: quadratic, "
                    + "1: linear):");
            growth.forEach((plugin, fields) -> fields.forEach((field, k) -> stdout.println("  "
                    + plugin + " " + field + ": k = " + String.format(Locale.ROOT, "%.2f", k))));
        }
        stdout.println();
    }

    /** The workloads named on the command line, in the baseline's order, each once. */
    private List<Workload> workloads() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String name : workloads) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("all")) {
                names.addAll(WORKLOADS);
            } else if (WORKLOADS.contains(lower)) {
                names.add(lower);
            } else {
                throw new IllegalArgumentException("unknown workload '" + name + "'; expected "
                        + String.join(", ", WORKLOADS) + " or all");
            }
        }
        int kv = kvHeads == null ? heads : kvHeads;
        BenchModel model = names.contains("train") || names.contains("decode")
                ? new BenchModel(vocab, dim, layers, heads, kv, ffnHidden) : null;
        List<Workload> chosen = new ArrayList<>();
        for (String name : WORKLOADS) {
            if (!names.contains(name)) {
                continue;
            }
            chosen.add(switch (name) {
                case "gemm" -> new GemmWorkload(sizes != null ? sizes
                        : GemmWorkload.BASELINE_SIZES);
                case "attention" -> new AttentionWorkload(pluginIds, lengths != null ? lengths
                        : AttentionWorkload.BASELINE_LENGTHS, heads, kv, headDim,
                        AttentionPasses.parse(mode));
                case "train" -> new TrainWorkload(pluginIds, lengths != null ? lengths
                        : TrainWorkload.BASELINE_LENGTHS, model);
                default -> new DecodeWorkload(pluginIds, prompt, newTokens, model);
            });
        }
        return chosen;
    }

    /** {@code --config} as a section per plugin; one for a plugin not benched is refused. */
    private PluginConfig pluginConfigs() throws java.io.IOException {
        PluginConfig configs = ConfigArguments.parse(config);
        for (String key : configs.keys()) {
            if (!pluginIds.contains(key)) {
                throw new IllegalArgumentException("--config " + key + ".…: '" + key + "' is "
                        + "not among the plugins benched (--plugin " + String.join(",",
                        pluginIds) + "); write PLUGIN.KEY=VALUE");
            }
        }
        return configs;
    }

    private BackendKind backendKind() {
        try {
            return BackendKind.valueOf(backend.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend '" + backend + "': expected java, "
                    + "opencl or auto");
        }
    }
}
