package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsa.core.checkpoint.CheckpointException;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.model.MoeConfig;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.TensorEntry;

/**
 * What {@code sparsa export} and {@code sparsa import} share: the Llama parameters a
 * configuration implies, the check of a weights file against them, and writing a folder
 * atomically (temporary sibling, forced, renamed into place).
 */
final class LlamaFolders {
    static final String MODEL_FILE = "model.safetensors";
    static final String CONFIG_FILE = "config.json";
    static final String INDEX_FILE = "model.safetensors.index.json";
    private static final Pattern PLUGIN_PARAMETER =
            Pattern.compile("model\\.layers\\.(\\d+)\\.self_attn\\.(.+)");
    private static final int NAMES_LISTED = 20;

    private LlamaFolders() {
    }

    /** One tensor of a weights file: where it lives and how the header describes it. */
    record Source(Path file, TensorEntry entry) {
    }

    /** The result of checking weights against a configuration. */
    record Checked(int expected, List<String> extras) {
    }

    /** Reads and parses {@code config.json}; the error names the file. */
    static ModelConfig readConfig(Path file, byte[] bytes) throws CheckpointException {
        try {
            return ModelConfig.fromHuggingFaceJson(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "not a Llama configuration: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "cannot be read: " + e, e);
        }
    }

    /** Every parameter a Llama model of {@code config} has, with its shape, in Sparsa's order. */
    static Map<String, int[]> expectedShapes(ModelConfig config) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        int dim = config.dim();
        int q = config.heads() * config.headDim();
        int kv = config.kvHeads() * config.headDim();
        shapes.put("model.embed_tokens.weight", new int[] {config.vocab(), dim});
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new int[] {dim});
            shapes.put(p + "self_attn.q_proj.weight", new int[] {q, dim});
            shapes.put(p + "self_attn.k_proj.weight", new int[] {kv, dim});
            shapes.put(p + "self_attn.v_proj.weight", new int[] {kv, dim});
            shapes.put(p + "self_attn.o_proj.weight", new int[] {dim, q});
            shapes.put(p + "post_attention_layernorm.weight", new int[] {dim});
            if (config.isMoeLayer(i)) {
                MoeConfig moe = config.moe();
                shapes.put(p + "mlp.gate.weight", new int[] {moe.experts(), dim});
                for (int e = 0; e < moe.experts(); e++) {
                    swiglu(shapes, p + "mlp.experts." + e + ".", dim, moe.expertHidden());
                }
                if (moe.sharedExpert()) {
                    swiglu(shapes, p + "mlp.shared_experts.", dim, moe.expertHidden());
                }
            } else {
                swiglu(shapes, p + "mlp.", dim, config.ffnHidden());
            }
        }
        shapes.put("model.norm.weight", new int[] {dim});
        if (!config.tieEmbeddings()) {
            shapes.put("lm_head.weight", new int[] {config.vocab(), dim});
        }
        return shapes;
    }

    private static void swiglu(Map<String, int[]> shapes, String prefix, int dim, int hidden) {
        shapes.put(prefix + "gate_proj.weight", new int[] {hidden, dim});
        shapes.put(prefix + "up_proj.weight", new int[] {hidden, dim});
        shapes.put(prefix + "down_proj.weight", new int[] {dim, hidden});
    }

    /**
     * Checks {@code tensors} against {@code config}: every expected parameter present with its
     * shape, every dtype in {@code dtypes}; names beyond the expected ones are accepted only
     * under a layer's {@code self_attn.} (attention-plugin parameters) and returned.
     *
     * @throws CheckpointException naming the file and the tensor
     */
    static Checked check(Path weightsFile, Map<String, Source> tensors, ModelConfig config,
            List<DType> dtypes) throws CheckpointException {
        Map<String, int[]> expected = expectedShapes(config);
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!tensors.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(weightsFile, "missing " + describe(missing)
                    + " that the configuration (" + config.layers() + " layers"
                    + (config.tieEmbeddings() ? ", tied embeddings" : "") + ") requires");
        }
        List<String> extras = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Source> e : tensors.entrySet()) {
            String name = e.getKey();
            TensorEntry entry = e.getValue().entry();
            Path file = e.getValue().file();
            if (!dtypes.contains(entry.dtype())) {
                throw new CheckpointException(file, "tensor '" + name + "' is " + entry.dtype()
                        + ", expected " + dtypes.stream().map(DType::name)
                                .reduce((a, b) -> a + " or " + b).orElse(""));
            }
            int[] shape = expected.get(name);
            if (shape == null) {
                Matcher m = PLUGIN_PARAMETER.matcher(name);
                if (m.matches() && m.group(1).length() < 10
                        && Integer.parseInt(m.group(1)) < config.layers()) {
                    extras.add(name);
                } else {
                    unexpected.add(name);
                }
            } else if (!Arrays.equals(shape, entry.shape())) {
                throw new CheckpointException(file, "tensor '" + name + "' has shape "
                        + Arrays.toString(entry.shape()) + ", the configuration implies "
                        + Arrays.toString(shape));
            }
        }
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(weightsFile, "unexpected " + describe(unexpected)
                    + ", not a Llama parameter of this configuration"
                    + (config.tieEmbeddings() && unexpected.contains("lm_head.weight")
                            ? " (tie_word_embeddings is true, so there is no lm_head)" : ""));
        }
        return new Checked(expected.size(), extras);
    }

    /** The tensors of one safetensors file, in header order. */
    static Map<String, Source> entries(SafetensorsFile opened, Path file) {
        Map<String, Source> tensors = new LinkedHashMap<>();
        for (TensorEntry entry : opened.entries()) {
            tensors.put(entry.name(), new Source(file, entry));
        }
        return tensors;
    }

    static String describe(List<String> names) {
        List<String> shown = names.subList(0, Math.min(names.size(), NAMES_LISTED));
        return (names.size() == 1 ? "tensor " : names.size() + " tensors ")
                + String.join(", ", shown.stream().map(n -> "'" + n + "'").toList())
                + (names.size() > shown.size() ? ", ..." : "");
    }

    /** Refuses a target that exists and is not an empty folder. */
    static void requireEmptyTarget(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new CheckpointException(target, "exists and is not a folder; choose a new "
                    + "or empty folder");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new CheckpointException(target, "is not empty; choose a new or empty "
                        + "folder (nothing is overwritten)");
            }
        }
    }

    /** Fills a folder beside {@code target}; the caller writes files into it. */
    interface Filler {
        void fill(Path folder) throws IOException;
    }

    /**
     * Writes {@code target} atomically: {@code filler} writes into a temporary sibling, which is
     * forced and renamed to {@code target}; on failure the temporary folder is removed and
     * {@code target} is left as it was.
     */
    static void writeFolder(Path target, Filler filler) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        requireEmptyTarget(absolute);
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path temp = parent.resolve("." + absolute.getFileName() + ".tmp-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        Files.createDirectory(temp);
        try {
            filler.fill(temp);
            DurableFiles.syncDirectory(temp);
            requireEmptyTarget(absolute);
            Files.deleteIfExists(absolute); // an empty folder, checked just now
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            try {
                DurableFiles.deleteTree(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        DurableFiles.syncDirectory(parent);
    }
}
