package org.sparsa.runner.internal.recipe;

import static org.sparsa.runner.internal.recipe.RecipeDefaults.*;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.io.BoundedReads;
import org.sparsa.core.io.FileTooLargeException;

/**
 * Reads a recipe: parses the YAML keeping every key's line, applies command-line overrides,
 * then checks every key, type, range and plugin id against the installed plugins, collecting
 * all problems before failing with one {@link RecipeException}. Nothing is created on disk.
 */
public final class RecipeLoader {
    private static final List<String> TOKENIZERS = List.of("byte", "char");
    private static final List<String> BACKENDS = List.of("java", "opencl", "auto");
    private static final List<String> SCHEDULES = List.of("constant", "cosine");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final PluginConfigCheck pluginCheck;

    /** Validates plugin ids and configurations against {@code plugins}. */
    public RecipeLoader(PluginLookup plugins) {
        this.pluginCheck = new PluginConfigCheck(plugins);
    }

    /**
     * Reads and validates {@code file} with {@code overrides} ({@code KEY=VALUE}) applied.
     *
     * @throws RecipeException listing every problem, each with its key and file line
     * @throws IOException when the file cannot be read
     */
    public Recipe load(Path file, List<String> overrides) throws IOException {
        return load(file.toString(), readText(file), overrides);
    }

    /**
     * The text of recipe {@code file}.
     *
     * @throws RecipeException when there is no such file, it is not UTF-8 or it is larger
     *     than {@link BoundedReads#CONFIG_LIMIT}
     * @throws IOException when the file cannot be read
     */
    public static String readText(Path file) throws IOException {
        try {
            return BoundedReads.readString(file, BoundedReads.CONFIG_LIMIT);
        } catch (NoSuchFileException e) {
            throw new RecipeException(file.toString(),
                    List.of(new RecipeError("", "no such file", file.toString())));
        } catch (MalformedInputException e) {
            throw new RecipeException(file.toString(),
                    List.of(new RecipeError("", "not UTF-8 text", file.toString())));
        } catch (FileTooLargeException e) {
            throw new RecipeException(file.toString(), List.of(new RecipeError("",
                    "larger than the " + e.limit() + " bytes a recipe may have",
                    file.toString())));
        }
    }

    /**
     * Reads and validates recipe {@code text}, named {@code source} in messages.
     *
     * @throws RecipeException listing every problem, each with its key and file line
     */
    public Recipe load(String source, String text, List<String> overrides) {
        return loadWithSweep(source, text, overrides).recipe();
    }

    /**
     * Reads and validates recipe {@code text} like {@link #load(String, String, List)}, and
     * returns its {@code sweep:} block too.
     *
     * @throws RecipeException listing every problem, each with its key and file line
     */
    public Loaded loadWithSweep(String source, String text, List<String> overrides) {
        return loadWithSweep(source, text, overrides, 1);
    }

    /**
     * As {@link #loadWithSweep(String, String, List)}, each training stage's lengths (steps,
     * warm-up, evaluation and checkpoint intervals) multiplied by {@code scale} after the
     * overrides ({@link RunScale}).
     *
     * @throws RecipeException listing every problem, each with its key and file line
     */
    public Loaded loadWithSweep(String source, String text, List<String> overrides,
            double scale) {
        LocatedYaml yaml = LocatedYaml.parse(source, text);
        List<RecipeError> errors = new ArrayList<>();
        Overrides.apply(yaml, overrides, errors);
        RunScale.apply(yaml, scale, errors);
        Loaded loaded = read(yaml, errors);
        if (!errors.isEmpty()) {
            throw new RecipeException(source, inFileOrder(source, errors));
        }
        return loaded;
    }

    /**
     * A validated recipe and its sweep.
     *
     * @param recipe the recipe as written, overrides applied: what {@code sparsa run} runs
     * @param sweep its {@code sweep:} block, or null when it has none
     */
    public record Loaded(Recipe recipe, SweepSpec sweep) {
    }

    /**
     * The problems by line, those of the whole file first and those of overrides last, so the
     * list reads top to bottom beside the file; the sort is stable within a line.
     */
    private static List<RecipeError> inFileOrder(String source, List<RecipeError> errors) {
        String prefix = source + " line ";
        List<RecipeError> sorted = new ArrayList<>(errors);
        sorted.sort(java.util.Comparator.comparingLong(e -> {
            if (e.where().equals(source)) {
                return 0L;
            }
            if (e.where().startsWith(prefix)) {
                try {
                    return Long.parseLong(e.where().substring(prefix.length()));
                } catch (NumberFormatException notALine) {
                    return Long.MAX_VALUE;
                }
            }
            return Long.MAX_VALUE;
        }));
        return sorted;
    }

    private Loaded read(LocatedYaml yaml, List<RecipeError> errors) {
        Section root = new Section(yaml, "", yaml.root(), errors);
        String name = root.string("name", defaultName(yaml.source()));
        if (name != null && !NAME.matcher(name).matches()) {
            root.error("name", "expected letters, digits, '.', '_' or '-' (it names the run "
                    + "folder), found '" + name + "'");
        }
        long seed = root.integer("seed", SEED);
        String backend = root.choice("backend", BACKEND, BACKENDS);
        boolean hasModel = root.require("model", "a map with dim, layers, heads, …");
        ModelSpec model = readModel(root.section("model"), hasModel);
        // A missing section is one problem; its missing keys would only repeat it.
        PluginRef task = root.require("task", "a map with the task's id and config")
                ? pluginCheck.read(root.section("task"), PluginKind.TASK, null)
                : new PluginRef("", Map.of());
        List<StageSpec> stages = readStages(root, model);
        Section output = root.section("output");
        String dir = output.path("dir", null);
        output.rejectUnknown();
        String resume = root.path("resume", RESUME);
        if (resume != null && !resume.equals("auto") && !resume.equals("never")
                && !Files.exists(Path.of(resume))) {
            root.error("resume", "expected auto, never or the path of a checkpoint; no file or "
                    + "folder '" + resume + "' exists");
        }
        SweepSpec sweep = root.has("sweep") ? SweepBlock.read(root.section("sweep")) : null;
        // Written by runs into config.resolved.yaml, so that file loads as a recipe again.
        root.ignore("provenance");
        root.rejectUnknown();
        return new Loaded(new Recipe(name, seed,
                BackendKind.valueOf(backend.toUpperCase(Locale.ROOT)), model, task, stages, dir,
                resume), sweep);
    }

    private static String defaultName(String source) {
        String file = Path.of(source).getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    private ModelSpec readModel(Section m, boolean present) {
        String tokenizer = m.choice("tokenizer", TOKENIZER, TOKENIZERS);
        Integer vocab = m.smallInteger("vocab", null, 1);
        // Non-short-circuit &: each missing size is its own problem.
        boolean ok = present && m.require("dim", "a positive integer")
                & m.require("layers", "a positive integer")
                & m.require("heads", "a positive integer");
        int dim = m.smallInteger("dim", 1, 1);
        int layers = m.smallInteger("layers", 1, 1);
        int heads = m.smallInteger("heads", 1, 1);
        int kvHeads = m.smallInteger("kv_heads", heads, 1);
        if (heads % kvHeads != 0) {
            m.error("kv_heads", "heads (" + heads + ") must be a multiple of kv_heads ("
                    + kvHeads + ")");
        }
        Integer headDim = m.smallInteger("head_dim", null, 1);
        if (headDim == null) {
            if (ok && dim % heads != 0) {
                m.error("heads", "dim (" + dim + ") is not a multiple of heads (" + heads
                        + "); change one or set head_dim");
                ok = false;
            }
            headDim = Math.max(1, dim / heads);
        }
        if (headDim % 2 != 0 && ok) {
            // Rotary embeddings turn pairs of channels.
            m.error(m.has("head_dim") ? "head_dim" : "heads", "the head width " + headDim
                    + " must be even for rotary embeddings");
        }
        int ffnHidden = m.smallInteger("ffn_hidden", FFN_MULTIPLE * dim, 1);
        double normEps = m.positive("norm_eps", NORM_EPS, true);
        double ropeTheta = m.positive("rope_theta", ROPE_THETA, true);
        boolean tie = m.bool("tie_embeddings", TIE_EMBEDDINGS);
        int maxSeq = m.smallInteger("max_seq", MAX_SEQ, 1);
        PluginRef attention = pluginCheck.read(m.section("attention"), PluginKind.ATTENTION,
                ATTENTION);
        Map<Integer, PluginRef> perLayer = new TreeMap<>();
        Section overrides = m.section("per_layer");
        for (String key : overrides.keys()) {
            Long index = Section.asLong(key);
            if (index == null || index < 0 || index >= layers) {
                overrides.error(key, "expected a layer index from 0 to " + (layers - 1)
                        + ", found '" + key + "'");
                continue;
            }
            Section layer = overrides.section(key);
            perLayer.put(index.intValue(), pluginCheck.read(layer.section("attention"),
                    PluginKind.ATTENTION, attention.id()));
            layer.rejectUnknown();
        }
        MoeSpec moe = m.has("moe") ? readMoe(m.section("moe"), layers, ffnHidden) : null;
        m.rejectUnknown();
        return new ModelSpec(tokenizer, vocab, dim, layers, heads, kvHeads, headDim, ffnHidden,
                normEps, ropeTheta, tie, maxSeq, attention, perLayer, moe);
    }

    private static MoeSpec readMoe(Section moe, int modelLayers, int ffnHidden) {
        moe.require("experts", "an integer of at least 2");
        int experts = moe.smallInteger("experts", 2, 2);
        int topK = moe.smallInteger("top_k", Math.min(MOE_TOP_K, experts), 1);
        if (topK > experts) {
            moe.error("top_k", "expected at most experts (" + experts + "), found " + topK);
        }
        boolean shared = moe.bool("shared_expert", MOE_SHARED_EXPERT);
        int expertHidden = moe.smallInteger("expert_hidden", ffnHidden, 1);
        List<Integer> layers = new ArrayList<>();
        if (moe.has("layers")) {
            List<Object> given = moe.list("layers");
            for (int i = 0; i < given.size(); i++) {
                Long index = Section.asLong(given.get(i));
                String at = LocatedYaml.item(moe.path("layers"), i);
                if (index == null || index < 0 || index >= modelLayers) {
                    moe.errorAt(at, "expected a layer index from 0 to " + (modelLayers - 1)
                            + ", found " + Section.describe(given.get(i)));
                } else if (layers.contains(index.intValue())) {
                    moe.errorAt(at, "layer " + index + " is listed twice");
                } else {
                    layers.add(index.intValue());
                }
            }
            layers.sort(null);
        } else {
            for (int i = 0; i < modelLayers; i++) {
                layers.add(i);
            }
        }
        moe.rejectUnknown();
        return new MoeSpec(experts, topK, shared, expertHidden, layers);
    }

    private List<StageSpec> readStages(Section root, ModelSpec model) {
        if (!root.require("stages", "a list of stages, each with a kind and steps")) {
            return List.of();
        }
        List<Object> items = root.list("stages");
        if (items.isEmpty() && root.raw("stages") instanceof List<?>) {
            root.error("stages", "expected at least one stage");
        }
        Map<String, Integer> kindCounts = new HashMap<>();
        for (Object item : items) {
            if (item instanceof Map<?, ?> map && map.get("kind") != null) {
                kindCounts.merge(String.valueOf(map.get("kind")), 1, Integer::sum);
            }
        }
        List<StageSpec> stages = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Section s = root.sectionAt(LocatedYaml.item(root.path("stages"), i), items.get(i));
            if (s == null) {
                continue;
            }
            StageSpec stage = readStage(s, i, model, kindCounts);
            if (!stage.name().isEmpty() && !names.add(stage.name())) {
                s.error("name", "another stage is already named '" + stage.name() + "'");
            }
            stages.add(stage);
        }
        return stages;
    }

    private StageSpec readStage(Section s, int index, ModelSpec model,
            Map<String, Integer> kindCounts) {
        s.require("kind", "a stage kind such as pretrain, sft or eval");
        String kind = s.string("kind", "");
        String name = s.string("name", kindCounts.getOrDefault(kind, 0) > 1
                ? kind + "-" + index : kind);
        if (name != null && !name.isEmpty() && !NAME.matcher(name).matches()) {
            s.error("name", "expected letters, digits, '.', '_' or '-' (it names files), found '"
                    + name + "'");
        }
        s.require("steps", "a positive integer");
        long steps = s.integer("steps", 1L, 1);
        // A stage's own task and model (a specialist); the run's tokenizer is shared by all.
        PluginRef stageTask = s.has("task")
                ? pluginCheck.read(s.section("task"), PluginKind.TASK, null) : null;
        ModelSpec stageModel = null;
        if (s.has("model")) {
            Section m = s.section("model");
            stageModel = readModel(m, true);
            if (!stageModel.tokenizer().equals(model.tokenizer())) {
                m.error("tokenizer", "expected the recipe's tokenizer '" + model.tokenizer()
                        + "': every model of a run shares it, found '" + stageModel.tokenizer()
                        + "'");
            }
        }
        ModelSpec trained = stageModel == null ? model : stageModel;
        int batch = s.smallInteger("batch", BATCH, 1);
        int seqLen = s.smallInteger("seq_len", trained.maxSeq(), 1);
        if (seqLen > trained.maxSeq()) {
            s.error("seq_len", "expected at most model.max_seq (" + trained.maxSeq()
                    + "), found " + seqLen);
        }
        double lr = s.positive("lr", LR, true);
        Section sched = s.section("schedule");
        String scheduleKind = sched.choice("kind", SCHEDULE, SCHEDULES);
        long warmup = sched.integer("warmup", WARMUP, 0);
        if (warmup >= steps && warmup > 0) {
            sched.error("warmup", "expected fewer than the stage's steps (" + steps
                    + "), found " + warmup);
        }
        double minLr = sched.positive("min_lr", MIN_LR, false);
        if (minLr > lr) {
            sched.error("min_lr", "expected at most the stage's lr (" + lr + "), found "
                    + minLr);
        }
        sched.rejectUnknown();
        double weightDecay = s.positive("weight_decay", WEIGHT_DECAY, false);
        double gradClip = s.positive("grad_clip", GRAD_CLIP, false);
        int accumulate = s.smallInteger("accumulate", ACCUMULATE, 1);
        if (batch % accumulate != 0) {
            s.error("accumulate", "expected a divisor of batch (" + batch + "), since each step's "
                    + "batch splits into equal micro-batches, found " + accumulate);
        }
        List<String> frozen = globs(s, "frozen");
        List<String> trainable = globs(s, "trainable");
        Map<String, Double> lrGroups = lrGroups(s);
        double lmLossWeight = s.positive("lm_loss_weight", LOSS_WEIGHT, false);
        double auxLossWeight = s.positive("aux_loss_weight", LOSS_WEIGHT, false);
        if (lmLossWeight + auxLossWeight == 0) {
            s.error("aux_loss_weight", "expected a weight above 0 when lm_loss_weight is 0, "
                    + "since the stage would have nothing to train on");
        }
        String attentionMode = s.string("attention_mode", ATTENTION_MODE);
        long evalEvery = s.integer("eval_every", EVAL_EVERY, 0);
        long checkpointEvery = s.integer("checkpoint_every", CHECKPOINT_EVERY, 0);
        int maxNonFiniteSteps = s.smallInteger("max_nonfinite_steps", MAX_NONFINITE_STEPS, 1);
        long stepTimeout = s.integer("step_timeout", STEP_TIMEOUT, 0);
        Section config = s.section("config");
        Map<String, Object> stageConfig = kind.isEmpty() ? new LinkedHashMap<>()
                : pluginCheck.config(config, PluginKind.STAGE, kind, s.path("kind"));
        s.rejectUnknown();
        return new StageSpec(name == null ? "" : name, kind, steps, batch, seqLen, lr,
                new Schedule(scheduleKind, warmup, minLr), weightDecay, gradClip, accumulate,
                frozen, attentionMode, evalEvery, checkpointEvery, stageConfig, trainable,
                lrGroups, lmLossWeight, auxLossWeight, stageTask, stageModel, maxNonFiniteSteps,
                stepTimeout);
    }

    /** The list of parameter-name globs at {@code key}, each entry checked. */
    private static List<String> globs(Section s, String key) {
        List<String> globs = new ArrayList<>();
        List<Object> items = s.list(key);
        for (int g = 0; g < items.size(); g++) {
            Object glob = items.get(g);
            if (glob instanceof String text && !text.isBlank()) {
                globs.add(text);
            } else {
                s.errorAt(LocatedYaml.item(s.path(key), g), "expected a parameter name "
                        + "glob such as 'model.embed*', found " + Section.describe(glob));
            }
        }
        return globs;
    }

    /** {@code lr_groups}: parameter-name globs, in file order, each with its peak rate. */
    private static Map<String, Double> lrGroups(Section s) {
        Section groups = s.section("lr_groups");
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String glob : List.copyOf(groups.keys())) {
            Double rate = groups.positive(glob, null, false);
            if (glob.isBlank()) {
                groups.error(glob, "expected a parameter name glob such as '*.indexer.*'");
            } else if (rate != null) {
                rates.put(glob, rate);
            }
        }
        return rates;
    }
}
