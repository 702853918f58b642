package org.sparsa.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.LearningRateSchedule;
import org.sparsa.core.train.TrainStep;

class CheckpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path run;

    private final ToyModel model = new ToyModel(1);
    private final AdamW adam = new AdamW(model.store, AdamWOptions.of(0.01));
    private final SplitMix64 data = SplitMix64.forPurpose(1, "data");

    private void trainOneStep() {
        new TrainStep(adam, LearningRateSchedule.constant(0.01), 1.0).run(1, i -> model.loss(data));
    }

    private Path save(Checkpoints checkpoints) throws IOException {
        return checkpoints.save(model.store, ToyModel.CONFIG, adam,
                new TrainerState(adam.steps(), adam.steps() * 5, Map.of("data", data.state())));
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(run.resolve("checkpoints"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheLayoutPythonReads() throws IOException {
        trainOneStep();
        Path folder = save(new Checkpoints(run));
        assertEquals(run.resolve("checkpoints/step-000001"), folder);
        assertEquals(List.of("latest", "step-000001"), entries());
        assertEquals("step-000001\n", Files.readString(run.resolve("checkpoints/latest")));
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of("config.json", "model.safetensors", "optimizer.safetensors",
                    "trainer_state.json"), files.map(p -> p.getFileName().toString()).sorted()
                            .toList());
        }
        try (SafetensorsFile weights = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), weights.metadata());
            assertEquals(DType.F32, weights.entry("model.embed_tokens.weight").dtype());
            assertArrayEquals(new int[] {ToyModel.VOCAB, ToyModel.DIM},
                    weights.entry("model.embed_tokens.weight").shape());
            assertArrayEquals(model.store.get("lm_head.weight").value().toArray(),
                    weights.readFloats("lm_head.weight"));
            assertEquals(4, weights.entries().size());
        }
        // The header is plain safetensors JSON: length, then an object with __metadata__ first.
        byte[] bytes = Files.readAllBytes(folder.resolve("model.safetensors"));
        long length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        assertEquals("F32", header.get("lm_head.weight").get("dtype").asText());
        assertEquals(ToyModel.CONFIG, Checkpoints.readConfig(folder));
        try (SafetensorsFile optimizer = SafetensorsFile.open(
                folder.resolve("optimizer.safetensors"))) {
            assertEquals("1", optimizer.metadata().get("steps"));
            assertArrayEquals(new long[] {1}, optimizer.readLongs("step.lm_head.weight"));
        }
        JsonNode state = JSON.readTree(folder.resolve("trainer_state.json").toFile());
        assertEquals(1, state.get("step").asLong());
        assertEquals(5, state.get("data_position").asLong());
        assertEquals(data.state(), state.get("rng").get("data").asLong());
    }

    @Test
    void acceptsTheConfigurationAsAJsonTree() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        Path folder = checkpoints.save(model.store, JSON.readTree(ToyModel.CONFIG), adam,
                new TrainerState(0, 0, Map.of()));
        assertEquals(JSON.readTree(ToyModel.CONFIG),
                JSON.readTree(Checkpoints.readConfig(folder)));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> checkpoints.save(model.store, "[1, 2]", adam,
                        new TrainerState(1, 0, Map.of())));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> checkpoints.save(model.store, "{} {}", adam,
                        new TrainerState(1, 0, Map.of())));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void aSaveThatFailsLeavesThePreviousLatestAndNothingHalfWritten() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        trainOneStep();
        save(checkpoints);
        float[] savedHead = model.store.get("lm_head.weight").value().toArray();
        trainOneStep();
        checkpoints.afterFileWritten = name -> {
            if (name.equals(Checkpoints.OPTIMIZER_FILE)) {
                throw new IOException("No space left on device");
            }
        };
        CheckpointException full = assertThrows(CheckpointException.class,
                () -> save(checkpoints));
        assertTrue(full.getMessage().startsWith(run.resolve("checkpoints/step-000002")
                + ": could not be saved (java.io.IOException: No space left on device); the "
                + "latest checkpoint is still step-000001, complete"), full.getMessage());
        assertEquals(List.of("latest", "step-000001"), entries());
        assertEquals(run.resolve("checkpoints/step-000001"), checkpoints.latest().orElseThrow());

        // The store loads the previous checkpoint's values.
        ToyModel fresh = new ToyModel(9);
        AdamW freshAdam = new AdamW(fresh.store, AdamWOptions.of(0.01));
        assertEquals(1, checkpoints.loadLatest(fresh.store, freshAdam).orElseThrow().step());
        assertArrayEquals(savedHead, fresh.store.get("lm_head.weight").value().toArray());
        assertEquals(1, freshAdam.steps());
    }

    @Test
    void aCrashMidSaveLeavesTheLatestCompleteAndTheNextSaveCleansUp() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        trainOneStep();
        save(checkpoints);
        // A crash while writing step 2: a temporary folder with a partial weights file.
        Path partial = run.resolve("checkpoints/step-000002.tmp-crashed");
        Files.createDirectory(partial);
        Files.write(partial.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Files.writeString(run.resolve("checkpoints/latest.tmp-crashed"), "step-000002\n");
        // A crash after renaming step 3 into place but before updating latest.
        trainOneStep();
        trainOneStep();
        Path orphan = new Checkpoints(run.resolve("other")).save(model.store, ToyModel.CONFIG,
                adam, new TrainerState(3, 0, Map.of()));
        Files.move(orphan, run.resolve("checkpoints/step-000003"));

        assertEquals(run.resolve("checkpoints/step-000001"), checkpoints.latest().orElseThrow());
        assertEquals(List.of(run.resolve("checkpoints/step-000001"),
                run.resolve("checkpoints/step-000003")), checkpoints.list());

        // Resuming from step 1 reaches step 3 again: the orphan is replaced, leftovers removed.
        Path saved = checkpoints.save(model.store, ToyModel.CONFIG, adam,
                new TrainerState(3, 15, Map.of()));
        assertEquals(List.of("latest", "step-000001", "step-000003"), entries());
        assertEquals(saved, checkpoints.latest().orElseThrow());
        assertEquals(15, JSON.readTree(saved.resolve("trainer_state.json").toFile())
                .get("data_position").asLong());
    }

    @Test
    void refusesToOverwriteTheLatestCheckpoint() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        save(checkpoints);
        CheckpointException e = assertThrows(CheckpointException.class, () -> save(checkpoints));
        assertTrue(e.getMessage().contains("step-000000"), e.getMessage());
        Checkpoints.verify(checkpoints.latest().orElseThrow());
    }

    @Test
    void keepsOnlyTheNewestCheckpoints() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run, 2);
        for (int i = 0; i < 4; i++) {
            trainOneStep();
            save(checkpoints);
        }
        assertEquals(List.of("latest", "step-000003", "step-000004"), entries());
        assertThrows(IllegalArgumentException.class, () -> new Checkpoints(run, -1));
    }

    @Test
    void noCheckpointYetIsEmpty() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        assertEquals(Optional.empty(), checkpoints.latest());
        assertEquals(Optional.empty(), checkpoints.loadLatest(model.store, adam));
        assertEquals(List.of(), checkpoints.list());
    }

    @Test
    void aTruncatedWeightsFileIsNamed() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        Path folder = save(checkpoints);
        Path weights = folder.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 10);
        }
        CheckpointException e = assertThrows(CheckpointException.class, checkpoints::latest);
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aMissingOrCorruptFileIsNamed() throws IOException {
        Checkpoints checkpoints = new Checkpoints(run);
        Path folder = save(checkpoints);
        Files.writeString(folder.resolve("trainer_state.json"), "{\"step\": ");
        CheckpointException e = assertThrows(CheckpointException.class, checkpoints::latest);
        assertTrue(e.getMessage().contains("trainer_state.json"), e.getMessage());
        Files.delete(folder.resolve("optimizer.safetensors"));
        e = assertThrows(CheckpointException.class, checkpoints::latest);
        assertTrue(e.getMessage().contains("optimizer.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        Files.writeString(run.resolve("checkpoints/latest"), "../elsewhere");
        e = assertThrows(CheckpointException.class, checkpoints::latest);
        assertTrue(e.getMessage().contains("latest"), e.getMessage());
    }

    @Test
    void loadListsMissingAndUnexpectedNamesAndChangesNothing() throws IOException {
        trainOneStep();
        Path folder = save(new Checkpoints(run));
        ToyModel other = new ToyModel(5);
        other.store.create("", List.of(new ParameterSpec("extra.weight", List.of(2), "ones", 0)));
        AdamW otherAdam = new AdamW(other.store, AdamWOptions.of(0.01));
        float[] before = other.store.get("lm_head.weight").value().toArray();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoints.load(folder, other.store, otherAdam));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("missing 1 (extra.weight)"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected none"), e.getMessage());
        assertArrayEquals(before, other.store.get("lm_head.weight").value().toArray());
        assertEquals(0, otherAdam.steps());
    }

    @Test
    void loadRejectsAShapeThatDiffers() throws IOException {
        Path folder = save(new Checkpoints(run));
        // Same names as the toy model, the output projection one column wider.
        ToyModel other = new ToyModel(5);
        ParameterStore store = new ParameterStore(other.ops, 1);
        for (String name : other.store.names()) {
            int[] shape = other.store.get(name).shape();
            if (name.equals("lm_head.weight")) {
                shape[1]++;
            }
            store.create("", List.of(new ParameterSpec(name,
                    Arrays.stream(shape).boxed().toList(), "zeros", 0)));
        }
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoints.load(folder, store, new AdamW(store, AdamWOptions.of(1))));
        assertTrue(e.getMessage().contains("'lm_head.weight' has shape [10, 11]"),
                e.getMessage());
        assertFalse(store.get("lm_head.weight").value().toArray()[0] != 0);
    }
}
