package org.sparsa.runner.internal.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;
import org.sparsa.api.task.Task;
import org.sparsa.core.checkpoint.Checkpoints;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.core.checkpoint.TrainerState;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.NonFiniteSteps;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.plugins.UsedPlugins;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.RunFolder;
import org.sparsa.runner.internal.recipe.StageSpec;
import org.sparsa.runner.internal.report.RunReport;

/**
 * Runs a recipe's stages in order on one model, in its run folder: each stage kind comes from
 * the plugins, its metrics stream to {@code metrics.jsonl} and the console, checkpoints land in
 * {@code checkpoints/}. With {@code resume: auto} the run continues from the folder's latest
 * checkpoint: stages before it are skipped, the stage it was saved in picks up at its step with
 * the saved optimiser and data stream, and the log keeps only what happened up to it, so the
 * result is the one an uninterrupted run gives, bit for bit. An attention plugin replaced while
 * the run trains takes over at the next step boundary ({@link PluginSwapper}). At the end it
 * writes {@code result.json}: the last value of every metric, overall and per stage.
 *
 * <p>The stages run on a training thread of their own, watched by a {@link StepWatchdog}: a
 * step that overruns its stage's {@code step_timeout} fails the run naming the plugin it is
 * stuck in. A run that fails otherwise names the plugin whose code threw ({@link PluginBlame}),
 * and a stage stopped by the non-finite guard names the attention plugins of the model's
 * layers.
 */
public final class TrainingRun {
    /** The result file's name in the run folder. */
    public static final String RESULT_FILE = "result.json";

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Recipe recipe;
    private final RunFolder folder;
    private final PluginSource plugins;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Task task;
    private final Backend backend;
    private final PluginRevisions revisions;
    private final UsedPlugins used;
    private final PluginBlame blame;
    private final StepWatchdog watchdog;

    @Inject
    TrainingRun(Recipe recipe, RunFolder folder, UsedPlugins plugins, LlamaModel model,
            Tokenizer tokenizer, Task task, Backend backend, PluginRevisions revisions) {
        this.recipe = recipe;
        this.folder = folder;
        this.plugins = plugins;
        this.used = plugins;
        this.blame = new PluginBlame(plugins);
        this.watchdog = new StepWatchdog(blame);
        this.model = model;
        this.tokenizer = tokenizer;
        this.task = task;
        this.backend = backend;
        this.revisions = revisions;
    }

    /** The last value of each metric of one stage. */
    private record StageResult(StageSpec spec, Map<String, Double> last) {
    }

    /**
     * Runs every stage not yet done and writes {@code result.json}.
     *
     * @param console where progress shows
     * @return the path of {@code result.json}
     * @throws Exception what a stage throws, as an exception whose message names the plugin
     *     whose code threw where one did; or a step that overran its {@code step_timeout};
     *     the folder keeps its log, metrics and checkpoints, and no result file is written
     */
    public Path run(PrintStream console) throws Exception {
        Path dir = folder.path();
        long start = System.nanoTime();
        String status = "failed";
        try (RunLog log = RunLog.open(dir)) {
            try {
                Path result = watchdog.run(() -> runStages(console));
                status = "completed";
                return result;
            } catch (StepTimeoutException e) {
                // Logged with the stuck thread's stack by the watchdog.
                throw e;
            } catch (Exception | Error e) {
                LOG.error("the run failed", e);
                Optional<String> named = named(e);
                if (named.isEmpty()) {
                    throw e;
                }
                LOG.error(named.get());
                // The original is kept as suppressed, not as the cause: a failed run is
                // reported by its root cause's message, which would drop the names.
                IllegalStateException failure = new IllegalStateException(named.get());
                failure.addSuppressed(e);
                throw failure;
            } finally {
                revisions.close();
                writeReport(status, (System.nanoTime() - start) / 1e9);
            }
        }
    }

    private Path runStages(PrintStream console) throws Exception {
        Path dir = folder.path();
        Path tokenizerFile = dir.resolve(RunModule.TOKENIZER_FILE);
        if (!Files.exists(tokenizerFile)) {
            DurableFiles.replace(tokenizerFile, tokenizer.toJson().getBytes(
                    StandardCharsets.UTF_8));
        }
        Checkpoints checkpoints = new Checkpoints(dir);
        List<StageSpec> stages = recipe.stages();
        long[] offsets = new long[stages.size() + 1];
        for (int i = 0; i < stages.size(); i++) {
            offsets[i + 1] = offsets[i] + stages.get(i).steps();
        }
        Optional<Path> latest = "auto".equals(recipe.resume()) ? checkpoints.latest()
                : Optional.empty();
        Map<String, StageResult> results = new LinkedHashMap<>();
        int firstStage = 0;
        Path resumeInside = null;
        long resumeStep = 0;
        double timeOffset = 0;
        if (latest.isPresent()) {
            TrainerState state = Checkpoints.readState(latest.get());
            firstStage = RunCheckpoints.stageIndex(state);
            checkResumable(latest.get(), state, stages);
            if (RunCheckpoints.stageStep(state) < stages.get(firstStage).steps()) {
                resumeInside = latest.get();
                resumeStep = RunCheckpoints.stageStep(state);
            } else {
                Checkpoints.loadWeights(latest.get().resolve(Checkpoints.MODEL_FILE),
                        model.parameters());
                firstStage++;
            }
            MetricsWriter.Kept kept = MetricsWriter.truncateAfter(dir, state.step());
            timeOffset = kept.seconds();
            // Stages finished before the checkpoint keep their results from the log.
            for (int i = 0; i < firstStage; i++) {
                StageSpec done = stages.get(i);
                results.put(done.name(), new StageResult(done,
                        kept.lastByStage().getOrDefault(done.name(), Map.of())));
            }
            LOG.info("resuming from {} (stage '{}', step {})", dir.relativize(latest.get()),
                    state.extra().get(RunCheckpoints.STAGE), RunCheckpoints.stageStep(state));
        } else if (!"auto".equals(recipe.resume()) && !"never".equals(recipe.resume())) {
            Path from = Path.of(recipe.resume());
            Checkpoints.loadWeights(Files.isDirectory(from)
                    ? from.resolve(Checkpoints.MODEL_FILE) : from, model.parameters());
            LOG.info("starting from the weights of {}", from);
        } else {
            MetricsWriter.truncateAfter(dir, 0);
        }
        String configJson = model.config().toHuggingFaceJson();
        try (MetricsWriter metrics = new MetricsWriter(dir, timeOffset);
                PluginSwapper swapper = new PluginSwapper(model, revisions, metrics,
                        used)) {
            if (latest.isPresent()) {
                metrics.event("resume", offsets[firstStage] + resumeStep);
            }
            for (int i = firstStage; i < stages.size(); i++) {
                StageSpec spec = stages.get(i);
                RunCheckpoints stageCheckpoints = new RunCheckpoints(checkpoints,
                        model.parameters(), configJson, spec.name(), i, offsets[i],
                        i == firstStage ? resumeInside : null);
                long firstStep = i == firstStage ? resumeStep : 0;
                swapper.atStageBoundary(offsets[i] + firstStep);
                try {
                    results.put(spec.name(), runStage(spec, i, offsets[i], stageCheckpoints,
                            metrics, swapper, console, firstStep));
                } finally {
                    watchdog.stageEnded();
                    revisions.stageEnded();
                }
            }
            return writeResult(dir, results, offsets[stages.size()], metrics.seconds());
        }
    }

    private StageResult runStage(StageSpec spec, int index, long offset,
            RunCheckpoints checkpoints, MetricsWriter metrics, PluginSwapper swapper,
            PrintStream console, long firstStep) throws Exception {
        watchdog.stageStarts(spec.name(), firstStep, spec.stepTimeout());
        StageKind kind = plugins.get(PluginKind.STAGE, spec.kind(), StageKind.class);
        Stage stage = kind.create(PluginConfig.of(spec.config(),
                "stage '" + spec.name() + "' config"));
        Map<String, Double> last = new LinkedHashMap<>();
        LOG.info("stage '{}' ({}) starts at step {} of {} on {}", spec.name(), spec.kind(),
                firstStep, spec.steps(), backend.description());
        try (ConsoleProgress progress = new ConsoleProgress(spec.name(), spec.steps(), firstStep,
                console, ConsoleProgress.onTerminal())) {
            MetricsSink sink = new MetricsSink() {
                @Override
                public void log(long step, Map<String, Double> values) {
                    metrics.metrics(spec.name(), spec.kind(), offset + step, step, values);
                    last.putAll(values);
                    // Evaluations and score tables (distill) carry no training loss to show.
                    if (values.keySet().stream().anyMatch(k -> k.startsWith("eval/")
                            || k.startsWith("score/"))) {
                        progress.evaluation(step, values);
                    } else {
                        progress.step(step, values);
                    }
                }

                @Override
                public void event(long step, String event, Map<String, Object> details) {
                    Map<String, Object> placed = new LinkedHashMap<>();
                    placed.put("stage", spec.name());
                    placed.put("stage_step", step);
                    placed.putAll(details);
                    metrics.event(event, offset + step, placed);
                }
            };
            long seed = SplitMix64.forPurpose(recipe.seed(), "stage/" + spec.name()).nextLong();
            RunStageResources resources = new RunStageResources(recipe, folder.path(), plugins,
                    tokenizer, backend, task, index);
            Task stageTask = spec.task() == null ? task
                    : resources.task(spec.task().id(), spec.task().config());
            LlamaModel stageModel = model;
            StageCheckpoints stageCheckpoints = checkpoints;
            if (spec.model() != null) {
                // A model of its own (a specialist): fresh weights, checkpoints in its folder.
                Path own = folder.path().resolve(RunStageResources.STAGES).resolve(spec.name());
                DurableFiles.deleteTree(own.resolve("checkpoints"));
                stageModel = RunStageResources.freshModel(spec.model(), tokenizer, backend,
                        plugins, RunStageResources.modelSeed(recipe.seed(), spec.name()));
                stageCheckpoints = new RunCheckpoints(new Checkpoints(own),
                        stageModel.parameters(), stageModel.config().toHuggingFaceJson(),
                        spec.name(), index, offset, null);
            }
            stage.run(new RunContext(spec.name(), folder.path(), seed, stageModel, tokenizer,
                    stageTask, spec.settings(), stageCheckpoints, sink, resources,
                    step -> {
                        watchdog.boundary(step);
                        swapper.atStepBoundary(offset + step);
                    }));
        }
        return new StageResult(spec, last);
    }

    /**
     * What a failed run's message adds: the plugin whose code threw it, or, when the
     * non-finite guard stopped a stage, the attention plugins of the model's layers; empty
     * when there is nothing to name.
     */
    private Optional<String> named(Throwable failure) {
        Throwable root = PluginBlame.root(failure);
        StackTraceElement[] stack = root.getStackTrace();
        if (stack.length > 0 && stack[0].getClassName().equals(NonFiniteSteps.class.getName())) {
            return Optional.of(root.getMessage() + ". The model's attention: "
                    + attentionOfLayers());
        }
        return blame.of(failure).map(c -> c.plugin() + " failed in " + c.frame() + ": " + root);
    }

    /** Each attention plugin of the run's model and its layers: {@code 'nsa' (…) in layers 0-3}. */
    private String attentionOfLayers() {
        Map<String, List<Integer>> layers = new LinkedHashMap<>();
        for (int layer = 0; layer < model.config().layers(); layer++) {
            layers.computeIfAbsent(model.config().attentionOf(layer).plugin(),
                    id -> new ArrayList<>()).add(layer);
        }
        List<String> parts = new ArrayList<>();
        layers.forEach((id, at) -> parts.add(plugins.describe(PluginKind.ATTENTION, id)
                + (at.size() == model.config().layers() ? " in every layer"
                        : at.size() == 1 ? " in layer " + at.get(0) : " in layers " + at)));
        return String.join(", ", parts);
    }

    /** Writes the report; a report that cannot be drawn is logged, never fails the run. */
    private void writeReport(String status, double seconds) {
        List<String> summary = List.of(
                "recipe: `" + recipe.name() + "`, seed " + recipe.seed(),
                "backend: " + backend.description(),
                "status: " + status + " (this process: " + Math.round(seconds) + " s)",
                // The table's rows compare the stages; this says which attention each ran.
                "attention mode by stage: " + String.join(", ", recipe.stages().stream()
                        .map(s -> s.name() + " `" + s.attentionMode() + "`").toList()),
                "configuration: [config.resolved.yaml](config.resolved.yaml)");
        try {
            RunReport.write(folder.path(), recipe.name(), summary);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write the run report", e);
        }
    }

    private static void checkResumable(Path checkpoint, TrainerState state,
            List<StageSpec> stages) {
        int index = RunCheckpoints.stageIndex(state);
        Object name = state.extra().get(RunCheckpoints.STAGE);
        if (index < 0 || index >= stages.size() || !stages.get(index).name().equals(name)) {
            throw new IllegalStateException("resume: checkpoint " + checkpoint + " was saved in "
                    + "stage " + index + " '" + name + "', which this recipe does not have at "
                    + "that place; resume with the recipe that made the run folder, or choose "
                    + "another output.dir");
        }
    }

    private Path writeResult(Path dir, Map<String, StageResult> results, long steps,
            double seconds) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", recipe.name());
        root.put("status", "completed");
        root.put("seed", recipe.seed());
        root.put("steps", steps);
        root.put("wall_s", Math.round(seconds * 10) / 10.0);
        Map<String, Double> overall = new LinkedHashMap<>();
        ArrayNode stageNodes = root.putArray("stages");
        for (StageResult result : results.values()) {
            ObjectNode node = stageNodes.addObject();
            node.put("name", result.spec().name());
            node.put("kind", result.spec().kind());
            node.put("steps", result.spec().steps());
            ObjectNode values = node.putObject("metrics");
            result.last().forEach((k, v) -> putNumber(values, k, v));
            overall.putAll(result.last());
        }
        // Top-level metrics are the last value of each over the run: what sweeps compare.
        overall.forEach((k, v) -> putNumber(root, k, v));
        Path file = dir.resolve(RESULT_FILE);
        DurableFiles.replace(file, JSON.writeValueAsBytes(root));
        return file;
    }

    private static void putNumber(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }
}
