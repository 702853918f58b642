package org.sparsa.core.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.SafetensorsWriter;
import org.sparsa.core.safetensors.TensorEntry;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWState;
import org.sparsa.core.io.BoundedReads;

/**
 * The checkpoints of one run, in {@code <run>/checkpoints/}: one folder per saved step,
 * {@code step-000123/}, holding
 * <ul>
 *   <li>{@code model.safetensors}: every parameter under its full (Hugging Face) name, F32,
 *       metadata {@code format: pt}, loadable by Python's {@code safetensors} and
 *       {@code transformers};
 *   <li>{@code config.json}: the model's configuration, as the caller gives it;
 *   <li>{@code optimizer.safetensors}: AdamW's {@code exp_avg.<name>}, {@code exp_avg_sq.<name>}
 *       (F32) and {@code step.<name>} (I64 scalar) per parameter, its step count and
 *       hyperparameters in the metadata;
 *   <li>{@code trainer_state.json}: step, data position, random-stream states and the caller's
 *       extra entries;
 * </ul>
 * and a file {@code latest} naming the newest complete folder.
 *
 * <p>Saving is atomic: every file is written into {@code step-000123.tmp-<random>/} and forced
 * to the device, the folder is forced, renamed to {@code step-000123} and the parent forced;
 * then {@code latest} is replaced the same way (written beside, forced, renamed over). A crash
 * at any moment therefore leaves {@code latest} naming a complete checkpoint, the previous one
 * until the new one is complete. Leftover {@code .tmp-} entries are never read and are removed by
 * the next save. One writer per run folder.
 */
public final class Checkpoints {
    /** The weights file, under Hugging Face names. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The model's configuration. */
    public static final String CONFIG_FILE = "config.json";
    /** The optimiser state. */
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    /** Step, data position, random-stream states, extras. */
    public static final String TRAINER_STATE_FILE = "trainer_state.json";
    /** The pointer to the newest complete checkpoint folder. */
    public static final String LATEST_FILE = "latest";
    /** Every file a complete checkpoint folder holds. */
    public static final List<String> FILES = List.of(MODEL_FILE, CONFIG_FILE, OPTIMIZER_FILE,
            TRAINER_STATE_FILE);

    private static final String TEMP_MARK = ".tmp-";
    private static final Pattern STEP_FOLDER = Pattern.compile("step-(\\d{6,19})");
    private static final String EXP_AVG = "exp_avg.";
    private static final String EXP_AVG_SQ = "exp_avg_sq.";
    private static final String STEP = "step.";
    private static final int NAMES_LISTED = 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path directory;
    private final int keepLast;
    /** Called with each file's name once it is written into the temporary folder; for tests. */
    FileWritten afterFileWritten = name -> {};

    /** A test's look at a save in progress; it may fail like the disk does. */
    interface FileWritten {
        void accept(String name) throws IOException;
    }

    /**
     * The checkpoints of the run in {@code runDirectory}, keeping every one saved.
     */
    public Checkpoints(Path runDirectory) {
        this(runDirectory, 0);
    }

    /**
     * The checkpoints of the run in {@code runDirectory}; after each save all but the newest
     * {@code keepLast} are deleted (0 keeps all).
     *
     * @throws IllegalArgumentException if {@code keepLast} is negative
     */
    public Checkpoints(Path runDirectory, int keepLast) {
        if (keepLast < 0) {
            throw new IllegalArgumentException("checkpoints: keepLast " + keepLast
                    + " must be 0 (keep all) or positive");
        }
        this.directory = Objects.requireNonNull(runDirectory, "runDirectory")
                .resolve("checkpoints");
        this.keepLast = keepLast;
    }

    /** The folder holding the step folders and {@code latest}. */
    public Path directory() {
        return directory;
    }

    /** The folder name of step {@code step}: {@code step-000123}. */
    public static String folderName(long step) {
        return String.format(Locale.ROOT, "step-%06d", step);
    }

    // --- saving ---------------------------------------------------------------------------------

    /**
     * Saves a checkpoint of step {@code state.step()} and makes it the latest.
     *
     * @param configJson the model's configuration, a JSON object, written as given
     * @return the checkpoint's folder
     * @throws CheckpointException if {@code configJson} is not a JSON object, or the step's
     *     folder exists and is the latest (saving the same step twice would have to remove the
     *     latest checkpoint before the new one is in place)
     * @throws IOException if a file cannot be written; the previous latest is left as it was
     */
    public Path save(ParameterStore store, String configJson, AdamW optimizer,
            TrainerState state) throws IOException {
        Objects.requireNonNull(configJson, "configJson");
        JsonNode config;
        try {
            config = JSON.readTree(configJson);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(Path.of(CONFIG_FILE), "the configuration given is not "
                    + "valid JSON: " + e.getOriginalMessage(), e);
        }
        if (config == null || !config.isObject()) {
            throw new CheckpointException(Path.of(CONFIG_FILE),
                    "the configuration given is not a JSON object");
        }
        return save(store, configJson.getBytes(StandardCharsets.UTF_8), optimizer, state);
    }

    /** Saves a checkpoint as {@link #save(ParameterStore, String, AdamW, TrainerState)}. */
    public Path save(ParameterStore store, JsonNode config, AdamW optimizer, TrainerState state)
            throws IOException {
        if (config == null || !config.isObject()) {
            throw new CheckpointException(Path.of(CONFIG_FILE),
                    "the configuration given is not a JSON object");
        }
        return save(store, JSON.writeValueAsBytes(config), optimizer, state);
    }

    private Path save(ParameterStore store, byte[] config, AdamW optimizer, TrainerState state)
            throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(state, "state");
        if (optimizer.store() != store) {
            throw new IllegalArgumentException("checkpoint save: the optimiser belongs to "
                    + "another parameter store");
        }
        Files.createDirectories(directory);
        removeLeftovers();
        String name = folderName(state.step());
        Path target = directory.resolve(name);
        Optional<String> latest = readPointer();
        if (Files.exists(target)) {
            if (latest.isPresent() && latest.get().equals(name)) {
                throw new CheckpointException(target, "exists and is the latest checkpoint; "
                        + "saving step " + state.step() + " again would replace it, delete it "
                        + "first or save under another step");
            }
            // A folder renamed into place by a save that crashed before updating latest, or one
            // of a run rolled back past it: never the latest, so it can go.
            Path aside = directory.resolve(name + TEMP_MARK + randomSuffix());
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.deleteTree(aside);
        }

        Path temp = directory.resolve(name + TEMP_MARK + randomSuffix());
        Files.createDirectory(temp);
        try {
            writeModel(temp.resolve(MODEL_FILE), store);
            afterFileWritten.accept(MODEL_FILE);
            DurableFiles.write(temp.resolve(CONFIG_FILE), config);
            afterFileWritten.accept(CONFIG_FILE);
            writeOptimizer(temp.resolve(OPTIMIZER_FILE), optimizer);
            afterFileWritten.accept(OPTIMIZER_FILE);
            DurableFiles.write(temp.resolve(TRAINER_STATE_FILE), trainerStateJson(state));
            afterFileWritten.accept(TRAINER_STATE_FILE);
            DurableFiles.syncDirectory(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Disk full, quota, a folder gone read-only: say where, and that nothing is lost.
            CheckpointException failed = new CheckpointException(target, "could not be saved ("
                    + e + "); the latest checkpoint is still "
                    + latest.orElse("none (this was the first)")
                    + ", complete; free space or fix the folder, then resume");
            // Suppressed, not the cause: a run reports the root cause's message, and this one
            // says more.
            failed.addSuppressed(e);
            try {
                DurableFiles.deleteTree(temp);
            } catch (IOException suppressed) {
                failed.addSuppressed(suppressed);
            }
            throw failed;
        } catch (RuntimeException | Error e) {
            try {
                DurableFiles.deleteTree(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        DurableFiles.syncDirectory(directory);
        writePointer(name);
        prune(name);
        return target;
    }

    /**
     * Writes the four files of a checkpoint that starts training afresh into the empty folder
     * {@code folder}: the given weights and configuration, an optimiser file with no moments at
     * step 0, and {@code state}. This is how weights from elsewhere (an imported Hugging Face
     * folder) become a checkpoint; the caller makes the folder appear atomically.
     */
    public static void writeFresh(Path folder, SafetensorsWriter weights, byte[] config,
            TrainerState state) throws IOException {
        weights.write(folder.resolve(MODEL_FILE));
        DurableFiles.write(folder.resolve(CONFIG_FILE), config);
        new SafetensorsWriter().metadata("format", "sparsa-adamw").metadata("steps", "0")
                .write(folder.resolve(OPTIMIZER_FILE));
        DurableFiles.write(folder.resolve(TRAINER_STATE_FILE), trainerStateJson(state));
    }

    private static void writeModel(Path file, ParameterStore store) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Variable parameter : store) {
            DenseTensor value = DenseTensor.of(parameter.value());
            writer.add(parameter.name().orElseThrow(), value.shapeView(), value.data());
        }
        writer.write(file);
    }

    private static void writeOptimizer(Path file, AdamW optimizer) throws IOException {
        AdamWState state = optimizer.state();
        SafetensorsWriter writer = new SafetensorsWriter()
                .metadata("format", "sparsa-adamw")
                .metadata("steps", Long.toString(state.steps()))
                .metadata("lr", Double.toString(optimizer.options().lr()))
                .metadata("beta1", Double.toString(optimizer.options().beta1()))
                .metadata("beta2", Double.toString(optimizer.options().beta2()))
                .metadata("eps", Double.toString(optimizer.options().eps()))
                .metadata("weight_decay", Double.toString(optimizer.options().weightDecay()));
        for (Map.Entry<String, AdamWState.Moments> e : state.parameters().entrySet()) {
            int[] shape = optimizer.store().get(e.getKey()).shape();
            writer.add(EXP_AVG + e.getKey(), shape, e.getValue().expAvg());
            writer.add(EXP_AVG_SQ + e.getKey(), shape, e.getValue().expAvgSq());
            writer.add(STEP + e.getKey(), new int[0], new long[] {e.getValue().steps()});
        }
        writer.write(file);
    }

    private static byte[] trainerStateJson(TrainerState state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "sparsa-trainer-state");
        root.put("version", 1);
        root.put("step", state.step());
        root.put("data_position", state.dataPosition());
        ObjectNode rng = root.putObject("rng");
        state.rngStates().forEach(rng::put);
        root.set("extra", JSON.valueToTree(state.extra()));
        return JSON.writeValueAsBytes(root);
    }

    private void writePointer(String name) throws IOException {
        Path temp = directory.resolve(LATEST_FILE + TEMP_MARK + randomSuffix());
        try {
            DurableFiles.write(temp, (name + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(temp, directory.resolve(LATEST_FILE), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, directory.resolve(LATEST_FILE),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        DurableFiles.syncDirectory(directory);
    }

    /** Removes what a save that failed or crashed left behind. */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().contains(TEMP_MARK)) {
                    DurableFiles.deleteTree(entry);
                }
            }
        }
    }

    /** Deletes all but the newest {@code keepLast} step folders, never {@code latest}. */
    private void prune(String latest) throws IOException {
        if (keepLast == 0) {
            return;
        }
        List<String> names = new ArrayList<>(steps().values());
        int excess = names.size() - keepLast;
        for (int i = 0; i < excess; i++) {
            String name = names.get(i);
            if (name.equals(latest)) {
                continue;
            }
            // Renamed first, so a crash mid-deletion leaves a .tmp- folder, never a step folder
            // with files missing.
            Path aside = directory.resolve(name + TEMP_MARK + randomSuffix());
            Files.move(directory.resolve(name), aside, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.deleteTree(aside);
        }
    }

    /** The step folders by step number, oldest first. */
    private TreeMap<Long, String> steps() throws IOException {
        TreeMap<Long, String> steps = new TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return steps;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                Matcher m = STEP_FOLDER.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isDirectory(entry)) {
                    steps.put(Long.parseLong(m.group(1)), entry.getFileName().toString());
                }
            }
        }
        return steps;
    }

    /** The complete checkpoint folders, oldest first (leftovers of failed saves excluded). */
    public List<Path> list() throws IOException {
        List<Path> list = new ArrayList<>();
        for (String name : steps().values()) {
            list.add(directory.resolve(name));
        }
        return list;
    }

    private static String randomSuffix() {
        return Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    }

    // --- finding --------------------------------------------------------------------------------

    /**
     * The latest checkpoint's folder, checked complete; empty when none was saved yet.
     *
     * @throws CheckpointException naming the file when {@code latest} is malformed or names a
     *     folder that is missing or incomplete
     */
    public Optional<Path> latest() throws IOException {
        Optional<String> name = readPointer();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path folder = directory.resolve(name.get());
        verify(folder);
        return Optional.of(folder);
    }

    private Optional<String> readPointer() throws IOException {
        Path pointer = directory.resolve(LATEST_FILE);
        String text;
        try {
            text = BoundedReads.readUtf8(pointer, BoundedReads.POINTER_LIMIT).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!STEP_FOLDER.matcher(text).matches()) {
            throw new CheckpointException(pointer, "holds '" + text
                    + "', expected the name of a checkpoint folder such as step-000123");
        }
        return Optional.of(text);
    }

    /**
     * Checks that {@code folder} is a complete checkpoint: every file present, safetensors
     * headers valid and consistent with the files' sizes, JSON files parseable.
     *
     * @throws CheckpointException naming the first file that is missing or malformed
     */
    public static void verify(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new CheckpointException(folder, "checkpoint folder is missing");
        }
        for (String file : FILES) {
            if (!Files.isRegularFile(folder.resolve(file))) {
                throw new CheckpointException(folder.resolve(file), "missing; a complete "
                        + "checkpoint holds " + String.join(", ", FILES));
            }
        }
        for (String file : List.of(MODEL_FILE, OPTIMIZER_FILE)) {
            try (SafetensorsFile opened = SafetensorsFile.open(folder.resolve(file))) {
                // Opening checks the header against the file's size.
            } catch (IOException e) {
                throw new CheckpointException(folder.resolve(file), "not a valid safetensors "
                        + "file: " + e.getMessage(), e);
            }
        }
        readJsonObject(folder.resolve(CONFIG_FILE));
        readJsonObject(folder.resolve(TRAINER_STATE_FILE));
    }

    private static JsonNode readJsonObject(Path file) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(BoundedReads.readBytes(file, BoundedReads.JSON_LIMIT));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new CheckpointException(file, "expected a JSON object");
        }
        return node;
    }

    // --- loading --------------------------------------------------------------------------------

    /**
     * Loads the latest checkpoint into {@code store} and {@code optimizer}, as
     * {@link #load(Path, ParameterStore, AdamW)}; empty (nothing changed) when there is none.
     */
    public Optional<TrainerState> loadLatest(ParameterStore store, AdamW optimizer)
            throws IOException {
        Optional<Path> latest = latest();
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(load(latest.get(), store, optimizer));
    }

    /**
     * Restores the checkpoint in {@code folder}: every parameter's value into {@code store},
     * the optimiser state into {@code optimizer}; returns the trainer state. Everything is read
     * and checked before anything changes, so on failure the store and optimiser are as they
     * were.
     *
     * @throws CheckpointException naming the file when the checkpoint is incomplete or
     *     malformed, when the weights' names differ from the store's (listing the missing and
     *     the unexpected ones) or a shape differs
     */
    public static TrainerState load(Path folder, ParameterStore store, AdamW optimizer)
            throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(optimizer, "optimizer");
        if (optimizer.store() != store) {
            throw new IllegalArgumentException("checkpoint load: the optimiser belongs to "
                    + "another parameter store");
        }
        verify(folder);
        Map<String, float[]> weights = readWeights(folder.resolve(MODEL_FILE), store);
        AdamWState optimizerState = readOptimizer(folder.resolve(OPTIMIZER_FILE), store);
        TrainerState state = readTrainerState(folder.resolve(TRAINER_STATE_FILE));
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            store.replace(e.getKey(),
                    DenseTensor.wrap(e.getValue(), store.get(e.getKey()).shape()));
        }
        optimizer.restore(optimizerState);
        return state;
    }

    /**
     * Loads only the weights in {@code file} (a {@code model.safetensors}) into {@code store},
     * for fine-tuning or evaluating from a checkpoint; nothing changes on failure.
     *
     * @throws CheckpointException as {@link #load} does for the weights
     */
    public static void loadWeights(Path file, ParameterStore store) throws IOException {
        Map<String, float[]> weights = readWeights(file, store);
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            store.replace(e.getKey(),
                    DenseTensor.wrap(e.getValue(), store.get(e.getKey()).shape()));
        }
    }

    /**
     * The trainer state saved in {@code folder}, read without touching weights or optimiser:
     * enough to decide where a resumed run picks up before anything is loaded.
     *
     * @throws CheckpointException naming the file when it is missing or malformed
     */
    public static TrainerState readState(Path folder) throws IOException {
        return readTrainerState(folder.resolve(TRAINER_STATE_FILE));
    }

    /** The model configuration saved in {@code folder}, as written. */
    public static String readConfig(Path folder) throws IOException {
        Path file = folder.resolve(CONFIG_FILE);
        readJsonObject(file);
        return BoundedReads.readString(file, BoundedReads.JSON_LIMIT);
    }

    private static Map<String, float[]> readWeights(Path file, ParameterStore store)
            throws IOException {
        try (SafetensorsFile weights = SafetensorsFile.open(file)) {
            Set<String> names = names(weights);
            List<String> missing = new ArrayList<>();
            for (String name : store.names()) {
                if (!names.contains(name)) {
                    missing.add(name);
                }
            }
            List<String> unexpected = new ArrayList<>();
            for (String name : names) {
                if (!store.contains(name)) {
                    unexpected.add(name);
                }
            }
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new CheckpointException(file, "names do not match the model's: "
                        + "missing " + describe(missing) + "; unexpected " + describe(unexpected));
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            for (String name : store.names()) {
                TensorEntry entry = weights.entry(name);
                int[] expected = store.get(name).shape();
                if (!Arrays.equals(entry.shape(), expected)) {
                    throw new CheckpointException(file, "tensor '" + name + "' has shape "
                            + Arrays.toString(entry.shape()) + ", the model expects "
                            + Arrays.toString(expected));
                }
                if (entry.dtype() != DType.F32 && entry.dtype() != DType.BF16) {
                    throw new CheckpointException(file, "tensor '" + name + "' is "
                            + entry.dtype() + ", expected F32 (or BF16)");
                }
                values.put(name, weights.readFloats(name));
            }
            return values;
        }
    }

    private static AdamWState readOptimizer(Path file, ParameterStore store) throws IOException {
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            String stepsText = opened.metadata().get("steps");
            long steps;
            try {
                steps = Long.parseLong(Objects.requireNonNull(stepsText));
            } catch (NumberFormatException | NullPointerException e) {
                throw new CheckpointException(file, "metadata 'steps' is " + stepsText
                        + ", expected a whole number", e);
            }
            Map<String, AdamWState.Moments> parameters = new LinkedHashMap<>();
            List<String> unknown = new ArrayList<>();
            for (String name : names(opened)) {
                String parameter;
                if (name.startsWith(EXP_AVG)) {
                    parameter = name.substring(EXP_AVG.length());
                } else if (name.startsWith(EXP_AVG_SQ) || name.startsWith(STEP)) {
                    continue; // read with the exp_avg of the same parameter
                } else {
                    throw new CheckpointException(file, "unexpected tensor '" + name
                            + "'; expected exp_avg.<name>, exp_avg_sq.<name> and step.<name>");
                }
                if (!store.contains(parameter)) {
                    unknown.add(parameter);
                    continue;
                }
                int size = store.get(parameter).value().size();
                float[] expAvg = opened.readFloats(EXP_AVG + parameter);
                float[] expAvgSq = opened.readFloats(EXP_AVG_SQ + parameter);
                long[] parameterSteps = opened.readLongs(STEP + parameter);
                if (expAvg.length != size || expAvgSq.length != size
                        || parameterSteps.length != 1 || parameterSteps[0] <= 0) {
                    throw new CheckpointException(file, "state of parameter '" + parameter
                            + "' does not fit: " + expAvg.length + " and " + expAvgSq.length
                            + " moment values for " + size + " parameter values, step "
                            + Arrays.toString(parameterSteps));
                }
                parameters.put(parameter,
                        new AdamWState.Moments(expAvg, expAvgSq, parameterSteps[0]));
            }
            if (!unknown.isEmpty()) {
                throw new CheckpointException(file, "state for parameters the model lacks: "
                        + describe(unknown));
            }
            // The store's order, so a restored optimiser writes the same file again.
            Map<String, AdamWState.Moments> ordered = new LinkedHashMap<>();
            for (String name : store.names()) {
                if (parameters.containsKey(name)) {
                    ordered.put(name, parameters.get(name));
                }
            }
            return new AdamWState(steps, ordered);
        }
    }

    private static TrainerState readTrainerState(Path file) throws IOException {
        JsonNode root = readJsonObject(file);
        long step = requireLong(file, root, "step");
        long dataPosition = requireLong(file, root, "data_position");
        Map<String, Long> rng = new LinkedHashMap<>();
        JsonNode rngNode = root.get("rng");
        if (rngNode == null || !rngNode.isObject()) {
            throw new CheckpointException(file, "\"rng\" is missing or not an object of "
                    + "stream states");
        }
        for (Map.Entry<String, JsonNode> e : rngNode.properties()) {
            rng.put(e.getKey(), requireLong(file, rngNode, e.getKey()));
        }
        JsonNode extraNode = root.get("extra");
        if (extraNode != null && !extraNode.isNull() && !extraNode.isObject()) {
            throw new CheckpointException(file, "\"extra\" is " + extraNode.getNodeType()
                    .toString().toLowerCase(Locale.ROOT) + ", expected an object");
        }
        Map<String, Object> extra = extraNode == null || extraNode.isNull() ? Map.of()
                : JSON.convertValue(extraNode, new TypeReference<LinkedHashMap<String, Object>>() {});
        try {
            return new TrainerState(step, dataPosition, rng, extra);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage(), e);
        }
    }

    private static long requireLong(Path file, JsonNode parent, String field)
            throws CheckpointException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new CheckpointException(file, "\"" + field + "\" is "
                    + (node == null ? "missing" : node.toString()) + ", expected a whole number");
        }
        return node.longValue();
    }

    private static Set<String> names(SafetensorsFile file) {
        Set<String> names = new LinkedHashSet<>();
        for (TensorEntry entry : file.entries()) {
            names.add(entry.name());
        }
        return names;
    }

    private static String describe(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        List<String> shown = names.subList(0, Math.min(names.size(), NAMES_LISTED));
        return names.size() + " (" + String.join(", ", shown)
                + (names.size() > shown.size() ? ", ..." : "") + ")";
    }

    @Override
    public String toString() {
        return "Checkpoints in " + directory;
    }
}
