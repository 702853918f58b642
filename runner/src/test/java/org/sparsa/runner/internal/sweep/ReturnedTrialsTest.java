package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Returned run folders land in the sweep folder whole, replace a failed attempt, never replace
 * a finished trial and never write outside the sweep folder.
 */
class ReturnedTrialsTest {
    private static final Trial TRIAL = new Trial(1, "1-lr=0.003", "lr=0.003",
            Map.of("stages.0.lr", "0.003"), null, List.of("stages.0.lr=0.003"));

    @TempDir
    Path dir;

    private Path run(String name, String result) throws IOException {
        Path run = Files.createDirectories(dir.resolve("member").resolve(name));
        Files.writeString(run.resolve("trial.log"), "log of " + name + "\n");
        Files.createDirectories(run.resolve("checkpoints/step-6"));
        Files.writeString(run.resolve("checkpoints/step-6/state.bin"), name);
        if (result != null) {
            Files.writeString(run.resolve("result.json"), result);
        }
        return run;
    }

    private SweepFolder sweep() throws IOException {
        return new SweepFolder(Files.createDirectories(dir.resolve("sweep")));
    }

    @Test
    void packedFolderUnpacksToTheSameFiles() throws IOException {
        Path run = run("a", "{\"loss\":1.0}");
        Path copy = Files.createDirectories(dir.resolve("copy"));
        FolderArchive.unpack(FolderArchive.pack(run), copy);
        assertEquals(files(run), files(copy));
        assertEquals("a", Files.readString(copy.resolve("checkpoints/step-6/state.bin")));
    }

    @Test
    void firstFinishedRunWinsAndLaterOnesAreIgnored() throws IOException {
        SweepFolder sweep = sweep();
        ReturnedTrials returned = new ReturnedTrials(sweep);
        byte[] first = FolderArchive.pack(run("first", "{\"loss\":1.0}"));
        byte[] second = FolderArchive.pack(run("second", "{\"loss\":2.0}"));

        assertTrue(returned.install(TRIAL, new TrialOutcome(1, 0, "m1", first, null)));
        assertFalse(returned.install(TRIAL, new TrialOutcome(1, 0, "m2", second, null)));

        assertEquals("{\"loss\":1.0}", Files.readString(sweep.result(TRIAL)));
        assertEquals("log of first\n", Files.readString(sweep.trial(TRIAL).resolve(
                "trial.log")));
        // Nothing staged is left next to the trials.
        assertEquals(List.of(TRIAL.name()), names(sweep.path().resolve(SweepFolder.TRIALS)));
    }

    @Test
    void finishedRunReplacesAFailedAttemptWhole() throws IOException {
        SweepFolder sweep = sweep();
        ReturnedTrials returned = new ReturnedTrials(sweep);
        Path failedRun = run("failed", null);
        Files.writeString(failedRun.resolve("only-in-the-failed-attempt.txt"), "x");
        assertTrue(returned.install(TRIAL, new TrialOutcome(1, 3, "m1",
                FolderArchive.pack(failedRun), null)));
        assertFalse(sweep.finished(TRIAL));
        assertTrue(Files.exists(sweep.trial(TRIAL).resolve("only-in-the-failed-attempt.txt")));

        Path finishedRun = run("finished", "{\"loss\":1.0}");
        assertTrue(returned.install(TRIAL, new TrialOutcome(1, 0, "m2",
                FolderArchive.pack(finishedRun), null)));
        assertTrue(sweep.finished(TRIAL));
        assertEquals(files(finishedRun), files(sweep.trial(TRIAL)));
        assertEquals(List.of(TRIAL.name()), names(sweep.path().resolve(SweepFolder.TRIALS)));
    }

    @Test
    void outcomeWithoutAFolderChangesNothing() throws IOException {
        SweepFolder sweep = sweep();
        assertFalse(new ReturnedTrials(sweep).install(TRIAL, new TrialOutcome(1, -1, "m1",
                new byte[0], "on m1: cannot start java")));
        assertFalse(Files.exists(sweep.trial(TRIAL)));
    }

    @Test
    void entryOutsideTheFolderIsRefusedAndNothingIsInstalled() throws IOException {
        SweepFolder sweep = sweep();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("result.json"));
            zip.write("{}".getBytes());
            zip.putNextEntry(new ZipEntry("../../escaped.txt"));
            zip.write("x".getBytes());
        }
        IOException e = assertThrows(IOException.class, () -> new ReturnedTrials(sweep).install(
                TRIAL, new TrialOutcome(1, 0, "m1", bytes.toByteArray(), null)));
        assertTrue(e.getMessage().contains("'../../escaped.txt'") && e.getMessage()
                .contains("m1"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escaped.txt")));
        assertFalse(sweep.finished(TRIAL));
        assertEquals(List.of(), names(sweep.path().resolve(SweepFolder.TRIALS)));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString())
                    .sorted().toList();
        }
    }
}
