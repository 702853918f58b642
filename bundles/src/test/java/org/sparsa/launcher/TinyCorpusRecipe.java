package org.sparsa.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The small run of integration tests that exercise an attention plugin: a two-layer byte model
 * on that plugin, learning a seeded text of a few words with the corpus task.
 */
final class TinyCorpusRecipe {
    private static final String[] WORDS = {"sparse", "attention", "keys", "values", "block",
        "select"};

    private TinyCorpusRecipe() {
    }

    /**
     * Writes {@code folder/corpus.txt} and the recipe {@code folder/NAME.yaml} whose model uses
     * attention plugin {@code attention} and whose {@code stages:} block is {@code stages}
     * (YAML list items, indented by two spaces).
     */
    static Path write(Path folder, String name, String attention, String stages)
            throws IOException {
        StringBuilder text = new StringBuilder();
        SplittableRandom random = new SplittableRandom(5);
        while (text.length() < 20_000) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(5) == 0
                    ? ".\n" : " ");
        }
        Path corpus = folder.resolve("corpus.txt");
        Files.writeString(corpus, text, StandardCharsets.UTF_8);
        Path recipe = folder.resolve(name + ".yaml");
        Files.writeString(recipe, """
                name: %s
                seed: 3
                backend: java
                model:
                  tokenizer: byte
                  dim: 16
                  layers: 2
                  heads: 2
                  max_seq: 32
                  attention:
                    id: %s
                task:
                  id: corpus
                  config:
                    path: %s
                    window: 32
                    eval_size: 4
                stages:
                """.formatted(name, attention, corpus) + stages);
        return recipe;
    }
}
