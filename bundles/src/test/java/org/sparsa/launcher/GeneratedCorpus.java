package org.sparsa.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** A small seeded text of the given words for the corpus task of integration tests. */
final class GeneratedCorpus {
    private GeneratedCorpus() {
    }

    /** Writes about 20,000 characters of {@code words} in sentences to {@code folder/corpus.txt}. */
    static Path write(Path folder, String... words) throws IOException {
        StringBuilder text = new StringBuilder();
        SplittableRandom random = new SplittableRandom(5);
        while (text.length() < 20_000) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(5) == 0
                    ? ".\n" : " ");
        }
        Path corpus = folder.resolve("corpus.txt");
        Files.writeString(corpus, text, StandardCharsets.UTF_8);
        return corpus;
    }
}
