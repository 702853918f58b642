package org.sparsa.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The layout of an assembled Sparsa distribution:
 * {@code bin/}, {@code lib/}, {@code bundles/system/}, {@code bundles/plugins/}, {@code recipes/}.
 *
 * @param home the distribution's root folder
 */
public record Distribution(Path home) {

    /** Bundles installed at every start: the API, core, runner and third-party bundles. */
    public Path systemBundles() {
        return home.resolve("bundles/system");
    }

    /** The hot-deploy folder FileInstall watches for plugin bundles. */
    public Path plugins() {
        return home.resolve("bundles/plugins");
    }

    /** The shipped recipes. */
    public Path recipes() {
        return home.resolve("recipes");
    }

    /**
     * The distribution at {@code home}.
     *
     * @throws IllegalArgumentException when {@code home} does not look like one
     */
    public static Distribution at(Path home) {
        Distribution distribution = new Distribution(home.toAbsolutePath().normalize());
        if (!Files.isDirectory(distribution.systemBundles())) {
            throw new IllegalArgumentException(home + " is not a Sparsa distribution: "
                    + "bundles/system is missing (build it with ./mvnw package)");
        }
        return distribution;
    }

    /** The jar files directly inside {@code folder}, sorted by name for a stable order. */
    static List<Path> jars(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
    }
}
