package org.sparsa.runner.internal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sparsa.core.checkpoint.CheckpointException;
import org.sparsa.core.checkpoint.Checkpoints;
import org.sparsa.core.checkpoint.TrainerState;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.sparsa.core.io.BoundedReads;

/** {@code sparsa import}: a plain Hugging Face Llama folder as a Sparsa checkpoint folder. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Read a plain Hugging Face Llama folder (config.json and model.safetensors, "
                + "or shards listed in model.safetensors.index.json; F32, F64 or BF16 weights, "
                + "stored as F32), check it against its configuration and write a Sparsa "
                + "checkpoint folder with a fresh step-0 optimiser and trainer state. The "
                + "target must be new or empty; it is written atomically. Exits 1 on any "
                + "error, writing nothing.")
public final class ImportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ROPE_BUFFER = ".self_attn.rotary_emb.inv_freq";
    private static final List<DType> ACCEPTED = List.of(DType.F32, DType.F64, DType.BF16);

    @Parameters(index = "0", paramLabel = "HF_DIR",
            description = "A Hugging Face model folder.")
    Path source;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "The checkpoint folder to create (new or empty).")
    Path target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            if (!Files.isDirectory(source)) {
                throw new CheckpointException(source, "no such folder");
            }
            LlamaFolders.requireEmptyTarget(target);
            Path configFile = source.resolve(LlamaFolders.CONFIG_FILE);
            if (!Files.isRegularFile(configFile)) {
                throw new CheckpointException(configFile, "missing");
            }
            byte[] configBytes = BoundedReads.readBytes(configFile, BoundedReads.JSON_LIMIT);
            ModelConfig config = LlamaFolders.readConfig(configFile, configBytes);
            Path weightsFile = source.resolve(LlamaFolders.MODEL_FILE);
            Map<String, LlamaFolders.Source> tensors;
            Map<Path, SafetensorsFile> byFile = new LinkedHashMap<>();
            if (Files.isRegularFile(weightsFile)) {
                SafetensorsFile file = SafetensorsFile.open(weightsFile);
                opened.add(file);
                byFile.put(weightsFile, file);
                tensors = LlamaFolders.entries(file, weightsFile);
            } else if (Files.isRegularFile(source.resolve(LlamaFolders.INDEX_FILE))) {
                weightsFile = source.resolve(LlamaFolders.INDEX_FILE);
                tensors = shards(weightsFile, opened, byFile);
            } else {
                throw new CheckpointException(weightsFile, "missing (and no "
                        + LlamaFolders.INDEX_FILE + " naming shards)");
            }
            // Older transformers versions saved RoPE's inverse frequencies, a buffer computed
            // from the configuration, not a parameter; Sparsa computes them itself.
            List<String> buffers = new ArrayList<>();
            tensors.keySet().removeIf(name -> {
                boolean buffer = name.endsWith(ROPE_BUFFER);
                if (buffer) {
                    buffers.add(name);
                }
                return buffer;
            });
            LlamaFolders.Checked checked = LlamaFolders.check(weightsFile, tensors, config,
                    ACCEPTED);
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            int converted = 0;
            for (LlamaFolders.Source s : tensors.values()) {
                SafetensorsFile file = byFile.get(s.file());
                String name = s.entry().name();
                if (s.entry().dtype() == DType.F32) {
                    writer.addRaw(name, DType.F32, s.entry().shape(), file.readBytes(name));
                } else {
                    writer.add(name, s.entry().shape(), file.readFloats(name));
                    converted++;
                }
            }
            TrainerState fresh = new TrainerState(0, 0, Map.of(), Map.of("imported_from",
                    source.toAbsolutePath().normalize().toString()));
            LlamaFolders.writeFolder(target,
                    temp -> Checkpoints.writeFresh(temp, writer, configBytes, fresh));
            out.println("imported " + source + " to " + target + ": "
                    + tensors.size() + " tensors"
                    + (converted > 0 ? " (" + converted + " converted to F32)" : "")
                    + ", step 0, no optimiser state");
            if (!buffers.isEmpty()) {
                out.println("  left out " + buffers.size() + " RoPE buffers ("
                        + ROPE_BUFFER.substring(1) + "), computed from the configuration");
            }
            if (!checked.extras().isEmpty()) {
                out.println("  kept " + checked.extras().size()
                        + " attention-plugin parameters beyond the Llama layout:");
                for (String name : checked.extras()) {
                    out.println("    " + name);
                }
            }
            return 0;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } finally {
            for (SafetensorsFile file : opened) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // read-only; nothing to lose
                }
            }
        }
    }

    /** The tensors of the shards {@code index} names, checked against its weight map. */
    private Map<String, LlamaFolders.Source> shards(Path index, List<SafetensorsFile> opened,
            Map<Path, SafetensorsFile> byFile) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(BoundedReads.readBytes(index, BoundedReads.JSON_LIMIT));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index, "\"weight_map\" is missing or not an object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        Set<String> shardNames = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String shard = e.getValue().asText("");
            if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/")
                    || shard.contains("\\") || shard.startsWith(".")) {
                throw new CheckpointException(index, "tensor '" + e.getKey() + "' maps to "
                        + e.getValue() + ", expected a shard file name in the same folder");
            }
            weightMap.put(e.getKey(), shard);
            shardNames.add(shard);
        }
        Map<String, LlamaFolders.Source> all = new LinkedHashMap<>();
        for (String shard : shardNames) {
            Path file = index.resolveSibling(shard);
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file, "missing; " + index.getFileName()
                        + " names it");
            }
            SafetensorsFile opened1 = SafetensorsFile.open(file);
            opened.add(opened1);
            byFile.put(file, opened1);
            for (Map.Entry<String, LlamaFolders.Source> e
                    : LlamaFolders.entries(opened1, file).entrySet()) {
                if (!shard.equals(weightMap.get(e.getKey()))) {
                    throw new CheckpointException(file, "tensor '" + e.getKey() + "' is not "
                            + "mapped to this shard by " + index.getFileName());
                }
                all.put(e.getKey(), e.getValue());
            }
        }
        Map<String, LlamaFolders.Source> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            LlamaFolders.Source s = all.get(e.getKey());
            if (s == null) {
                throw new CheckpointException(index.resolveSibling(e.getValue()), "tensor '"
                        + e.getKey() + "' is missing; " + index.getFileName() + " maps it here");
            }
            ordered.put(e.getKey(), s);
        }
        return ordered;
    }
}
