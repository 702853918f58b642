package org.sparsa.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.sparsa.core.io.TextMutations;

/**
 * Fuzzes what a resume reads before anything else: a checkpoint's {@code trainer_state.json}
 * and {@code config.json} and the run's {@code latest} pointer, with mutations of valid files
 * and random text. Each is read or refused with a {@link CheckpointException} naming the file.
 */
class CheckpointJsonFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String TRAINER_STATE = """
            {
              "format" : "sparsa-trainer-state",
              "version" : 1,
              "step" : 12,
              "data_position" : 96,
              "rng" : { "data" : -4962768465676381896, "sample" : 7 },
              "extra" : { "stage" : "pretrain", "stage_index" : 0, "stage_step" : 12 }
            }
            """;
    private static final String CONFIG = """
            {"architectures":["LlamaForCausalLM"],"hidden_size":16,"num_hidden_layers":1,
             "rope_theta":10000.0,"tie_word_embeddings":false,"vocab_size":259}
            """;
    private static final Path RUN = tempRun();
    private static final Path FOLDER = RUN.resolve("checkpoints").resolve("step-000012");

    @Property(tries = 1000)
    void trainerStatesAreReadOrRefused(@ForAll("trainerStates") String text) throws Exception {
        Path file = FOLDER.resolve(Checkpoints.TRAINER_STATE_FILE);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        readsOrRefuses(file, () -> Checkpoints.readState(FOLDER));
    }

    @Property(tries = 1000)
    void configsAreReadOrRefused(@ForAll("configs") String text) throws Exception {
        Path file = FOLDER.resolve(Checkpoints.CONFIG_FILE);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        readsOrRefuses(file, () -> Checkpoints.readConfig(FOLDER));
    }

    @Property(tries = 1000)
    void latestPointersAreFollowedOrRefused(@ForAll("pointers") String text) throws Exception {
        Path file = RUN.resolve("checkpoints").resolve(Checkpoints.LATEST_FILE);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        readsOrRefuses(file, () -> new Checkpoints(RUN).latest());
    }

    @Example
    void extrasThatAreNoObjectAreRefusedNamingTheField() throws Exception {
        Path file = FOLDER.resolve(Checkpoints.TRAINER_STATE_FILE);
        for (String extra : new String[] {"\"x\"", "[1]", "3"}) {
            Files.writeString(file, TRAINER_STATE.replace(
                    "{ \"stage\" : \"pretrain\", \"stage_index\" : 0, \"stage_step\" : 12 }",
                    extra));
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoints.readState(FOLDER));
            assertTrue(e.getMessage().contains("\"extra\" is "), e.getMessage());
        }
    }

    @Provide
    Arbitrary<String> trainerStates() {
        return mutationsOf(TRAINER_STATE);
    }

    @Provide
    Arbitrary<String> configs() {
        return mutationsOf(CONFIG);
    }

    @Provide
    Arbitrary<String> pointers() {
        return Arbitraries.oneOf(mutationsOf("step-000012\n"),
                Arbitraries.strings().ofMaxLength(40));
    }

    private static Arbitrary<String> mutationsOf(String valid) {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 6))
                        .as((seed, edits) -> TextMutations.mutate(valid, seed, edits)),
                Arbitraries.strings().ofMaxLength(200));
    }

    private interface Read {
        Object run() throws IOException;
    }

    private static void readsOrRefuses(Path file, Read read) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                read.run();
            } catch (CheckpointException e) {
                String message = String.valueOf(e.getMessage());
                assertTrue(message.startsWith(file.getParent().toString()) && message.length()
                        > file.getParent().toString().length() + 20, message);
            }
        });
    }

    private static Path tempRun() {
        try {
            Path run = Files.createTempDirectory("sparsa-fuzz-run");
            Path folder = run.resolve("checkpoints").resolve("step-000012");
            Files.createDirectories(folder);
            // Everything a complete checkpoint holds, so a good pointer reaches the JSON.
            Files.writeString(folder.resolve(Checkpoints.TRAINER_STATE_FILE), TRAINER_STATE);
            Files.writeString(folder.resolve(Checkpoints.CONFIG_FILE), CONFIG);
            new org.sparsa.core.safetensors.SafetensorsWriter().metadata("format", "pt")
                    .write(folder.resolve(Checkpoints.MODEL_FILE));
            new org.sparsa.core.safetensors.SafetensorsWriter().metadata("steps", "0")
                    .write(folder.resolve(Checkpoints.OPTIMIZER_FILE));
            return run;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
