package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a distribution's {@code bin/sparsa} as a child process, the way a researcher does, for
 * the integration tests that need the real launcher (bundle class loaders, child JVMs).
 */
final class DistributionScript {
    /** How long one command may take before the test fails. */
    private static final long TIMEOUT_SECONDS = 240;

    private DistributionScript() {
    }

    /** What a command printed and how it ended. */
    record Output(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /**
     * Runs {@code bin/sparsa args} of {@code distribution} in {@code workingFolder}, where its
     * output is kept, and fails the test when it does not end in time.
     */
    static Output run(Path distribution, Path workingFolder, List<String> args)
            throws Exception {
        return finish(start(distribution, workingFolder, args), workingFolder);
    }

    /**
     * Starts {@code bin/sparsa args} of {@code distribution} in {@code workingFolder}, its
     * output going to {@code out.txt} and {@code err.txt} there, for a test that acts while
     * the command runs; {@link #finish} waits for it.
     */
    static Process start(Path distribution, Path workingFolder, List<String> args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(distribution.resolve("bin/sparsa").toAbsolutePath().toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).directory(workingFolder.toFile())
                .redirectOutput(workingFolder.resolve("out.txt").toFile())
                .redirectError(workingFolder.resolve("err.txt").toFile()).start();
        process.getOutputStream().close();
        return process;
    }

    /**
     * Waits for a command {@link #start} started in {@code workingFolder}, and fails the test
     * when it does not end in time.
     */
    static Output finish(Process process, Path workingFolder) throws Exception {
        File out = workingFolder.resolve("out.txt").toFile();
        File err = workingFolder.resolve("err.txt").toFile();
        boolean ended = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        Output output = new Output(ended ? process.exitValue() : -1,
                Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
        assertTrue(ended, () -> "sparsa did not finish\n" + output);
        return output;
    }
}
