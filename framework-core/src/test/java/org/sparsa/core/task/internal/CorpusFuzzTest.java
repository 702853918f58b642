package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.random.SplitMix64;

/**
 * Fuzzes the {@code corpus} task, the one that reads a data file: random bytes (malformed
 * UTF-8, lone surrogates, control characters) under random settings either make a task whose
 * samples and evaluation windows are well formed, or are refused with a
 * {@link ConfigException} naming the key.
 */
class CorpusFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final Path FILE = tempFile();

    @Property(tries = 1000)
    void anyFileUnderAnySettingsMakesATaskOrAClearError(@ForAll @Size(max = 400) byte[] bytes,
            @ForAll("settings") Map<String, Object> settings) throws Exception {
        Files.write(FILE, bytes);
        Map<String, Object> config = new LinkedHashMap<>(settings);
        config.put(CorpusSource.PATH, FILE.toString());
        assertTimeoutPreemptively(LIMIT, () -> {
            Task task;
            try {
                task = new CorpusSource().create(PluginConfig.of(config, "fuzz"));
            } catch (ConfigException e) {
                assertTrue(e.getMessage().contains("fuzz") && e.getMessage().length() > 20,
                        e.getMessage());
                return;
            }
            SplitMix64 random = SplitMix64.forPurpose(1, "fuzz");
            for (int i = 0; i < 3; i++) {
                Example example = task.sample(random);
                assertTrue(!example.prompt().isEmpty(), "an empty training window");
            }
            task.evaluationSet().forEach(e -> assertTrue(!e.prompt().isEmpty()));
        });
    }

    @Provide
    Arbitrary<Map<String, Object>> settings() {
        Arbitrary<Object> window = Arbitraries.oneOf(Arbitraries.integers().between(-2, 500)
                .map(i -> (Object) i), Arbitraries.of("x", 1.5, Long.MAX_VALUE));
        Arbitrary<Object> split = Arbitraries.oneOf(Arbitraries.doubles().between(-0.5, 1.5)
                .map(d -> (Object) d), Arbitraries.of("half", Double.NaN));
        Arbitrary<Object> evalSize = Arbitraries.integers().between(-1, 50).map(i -> (Object) i);
        return Arbitraries.maps(Arbitraries.of(CorpusSource.WINDOW, CorpusSource.SPLIT,
                CorpusSource.EVAL_SIZE, "unknown"), Arbitraries.oneOf(window, split, evalSize))
                .ofMaxSize(3);
    }

    private static Path tempFile() {
        try {
            Path file = Files.createTempFile("sparsa-fuzz", ".txt");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
