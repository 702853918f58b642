package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sparsa.core.checkpoint.CheckpointException;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.core.checkpoint.Checkpoints;
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

/** {@code sparsa export}: a checkpoint as a plain Hugging Face Llama folder. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint's weights and configuration as a plain Hugging Face "
                + "Llama folder (model.safetensors, config.json), checked against the "
                + "configuration. Accepts a checkpoint folder, a run folder or its "
                + "checkpoints folder (then the latest checkpoint). The target must be new or "
                + "empty; it is written atomically. Exits 1 on any error, writing nothing.")
public final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT_OR_RUN_DIR",
            description = "A checkpoint folder (step-000123), a run folder or its checkpoints "
                    + "folder.")
    Path source;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "The folder to create (new or empty).")
    Path target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Path folder = checkpointFolder(source);
            LlamaFolders.requireEmptyTarget(target);
            Path modelFile = folder.resolve(LlamaFolders.MODEL_FILE);
            Path configFile = folder.resolve(LlamaFolders.CONFIG_FILE);
            requireFile(modelFile);
            requireFile(configFile);
            byte[] configBytes = BoundedReads.readBytes(configFile, BoundedReads.JSON_LIMIT);
            ModelConfig config = LlamaFolders.readConfig(configFile, configBytes);
            LlamaFolders.Checked checked;
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            try (SafetensorsFile weights = SafetensorsFile.open(modelFile)) {
                Map<String, LlamaFolders.Source> tensors =
                        LlamaFolders.entries(weights, modelFile);
                checked = LlamaFolders.check(modelFile, tensors, config, List.of(DType.F32));
                for (LlamaFolders.Source s : tensors.values()) {
                    writer.addRaw(s.entry().name(), DType.F32, s.entry().shape(),
                            weights.readBytes(s.entry().name()));
                }
            }
            LlamaFolders.writeFolder(target, temp -> {
                writer.write(temp.resolve(LlamaFolders.MODEL_FILE));
                DurableFiles.write(temp.resolve(LlamaFolders.CONFIG_FILE), configBytes);
            });
            out.println("exported " + folder + " to " + target + ": "
                    + (checked.expected() + checked.extras().size()) + " tensors");
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
        }
    }

    /** The checkpoint folder {@code path} names, directly or through {@code latest}. */
    static Path checkpointFolder(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            throw new CheckpointException(path, "no such folder; expected a checkpoint folder, "
                    + "a run folder or its checkpoints folder");
        }
        if (Files.isRegularFile(path.resolve(Checkpoints.MODEL_FILE))) {
            return path;
        }
        Path run;
        if (Files.isDirectory(path.resolve("checkpoints"))) {
            run = path;
        } else if (Files.exists(path.resolve(Checkpoints.LATEST_FILE))
                && path.toAbsolutePath().normalize().getFileName().toString()
                        .equals("checkpoints")) {
            run = path.toAbsolutePath().normalize().getParent();
        } else {
            throw new CheckpointException(path, "is neither a checkpoint folder (no "
                    + Checkpoints.MODEL_FILE + ") nor a run folder (no checkpoints/latest)");
        }
        Optional<Path> latest = new Checkpoints(run).latest();
        if (latest.isEmpty()) {
            throw new CheckpointException(run.resolve("checkpoints"),
                    "no checkpoint saved yet (no " + Checkpoints.LATEST_FILE + ")");
        }
        return latest.get();
    }

    private static void requireFile(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "missing");
        }
    }
}
