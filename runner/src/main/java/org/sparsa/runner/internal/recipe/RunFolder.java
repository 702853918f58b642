package org.sparsa.runner.internal.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * A run's folder: {@code config.resolved.yaml}, then {@code metrics.jsonl}, {@code run.log},
 * checkpoints, {@code result.json} and {@code report.md} as the run goes. Made only from a
 * validated recipe, so an invalid recipe leaves nothing behind; a folder that already holds
 * files is reused only when the recipe says {@code resume: auto}.
 *
 * @param path the folder
 */
public record RunFolder(Path path) {
    /**
     * The system property that sets the free space, in MiB, a run folder's file system must
     * have for a run to start; {@value #DEFAULT_MIN_FREE_MIB} when absent.
     */
    public static final String MIN_FREE_PROPERTY = "sparsa.min_free_mib";
    /** The free space a run needs at least, in MiB, when the property does not say. */
    public static final long DEFAULT_MIN_FREE_MIB = 64;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** The default {@code output.dir}: {@code runs/NAME-yyyyMMdd-HHmmss}. */
    public static String defaultDir(String name, LocalDateTime start) {
        return RecipeDefaults.RUNS_FOLDER + "/" + name + "-" + STAMP.format(start);
    }

    /**
     * Creates the folder named by the resolved recipe's {@code output.dir} (relative to
     * {@code base}) and writes {@code config.resolved.yaml} into it atomically. If writing
     * fails, folders this call created are removed again.
     *
     * @throws IllegalArgumentException when the folder already holds files and the recipe does
     *     not resume, or the path is a file
     * @throws IOException naming the folder when it cannot be written or its file system has
     *     less free space than {@link #MIN_FREE_PROPERTY} says; the run does not start
     */
    public static RunFolder create(Path base, ResolvedRecipe resolved) throws IOException {
        return create(base, resolved, false);
    }

    /**
     * Like {@link #create(Path, ResolvedRecipe)}; with {@code shared} the folder may already
     * hold files that are not a run's, such as the log a sweep writes for its trial there, and
     * is refused only when it holds a run ({@code config.resolved.yaml}) and the recipe does not
     * resume.
     */
    public static RunFolder create(Path base, ResolvedRecipe resolved, boolean shared)
            throws IOException {
        Recipe recipe = resolved.recipe();
        if (recipe.outputDir() == null) {
            throw new IllegalStateException("output.dir must be fixed before the folder is made");
        }
        Path dir = base.resolve(recipe.outputDir()).normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output.dir " + recipe.outputDir()
                    + ": exists and is not a folder");
        }
        boolean occupied = shared ? Files.exists(dir.resolve(ResolvedRecipe.FILE_NAME))
                : Files.isDirectory(dir) && !isEmpty(dir);
        if (occupied && !"auto".equals(recipe.resume())) {
            throw new IllegalArgumentException("output.dir " + recipe.outputDir()
                    + (shared ? ": already holds a run" : ": already holds files")
                    + "; choose another output.dir, or set resume=auto to continue the run "
                    + "there");
        }
        Path firstCreated = firstMissing(dir);
        try {
            try {
                Files.createDirectories(dir);
                // Written atomically and forced: also the probe that the folder takes writes.
                DurableFiles.replace(dir.resolve(ResolvedRecipe.FILE_NAME),
                        resolved.toYaml().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException("output.dir " + dir + ": cannot be written (" + e
                        + "); the run does not start. Choose a writable output.dir", e);
            }
            requireFreeSpace(dir);
        } catch (IOException | RuntimeException e) {
            if (firstCreated != null) {
                try {
                    DurableFiles.deleteTree(firstCreated);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
        return new RunFolder(dir);
    }

    /** Refuses a folder whose file system has less free space than a run needs to start. */
    private static void requireFreeSpace(Path dir) throws IOException {
        long minimum = Long.getLong(MIN_FREE_PROPERTY, DEFAULT_MIN_FREE_MIB);
        long free = Files.getFileStore(dir).getUsableSpace() >> 20;
        if (free < minimum) {
            throw new IOException("output.dir " + dir + ": only " + free + " MiB free on its "
                    + "file system, a run needs at least " + minimum + " MiB (-D"
                    + MIN_FREE_PROPERTY + ") for checkpoints and logs; the run does not start. "
                    + "Free space or choose another output.dir");
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** The outermost folder on the way to {@code dir} that does not exist yet, or null. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }
}
