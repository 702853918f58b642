package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered sweep through the distribution's script on loopback: three {@code sparsa worker}
 * processes, a coordinator that takes no trials, four trials of a shortened quickstart (two
 * learning rates, two seeds: more trials than workers, so that some wait for a slot), and one
 * worker killed with its trial's JVM (SIGKILL, as a lost machine) while it runs a trial. Every
 * trial must finish exactly once in the sweep folder.
 */
class ClusterSweepIT {
    private static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TRIALS = List.of("0-lr=0.003_seed=0",
            "1-lr=0.003_seed=1", "2-lr=0.001_seed=0", "3-lr=0.001_seed=1");
    private static final Pattern STARTED = Pattern.compile("trial (\\S+) starts in ");

    @TempDir
    Path folder;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Test
    void everyTrialFinishesOnceWhenAWorkerIsKilledMidTrial() throws Exception {
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:"
                + ports[2];
        String cluster = "sparsa-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(start("worker-" + i, List.of("worker", "--join", members, "--cluster",
                    cluster, "--port", Integer.toString(ports[i]), "--slots", "1", "--scratch",
                    folder.resolve("scratch-" + i).toString())));
        }
        for (int i = 0; i < 3; i++) {
            String name = "worker-" + i;
            awaitOutput(name, workers.get(i), s -> s.contains("; 3 members"), 120);
        }

        Path sweep = folder.resolve("sweep");
        Process coordinator = start("coordinator", List.of("sweep",
                DISTRIBUTION.resolve("recipes/quickstart.yaml").toString(),
                "stages.0.lr=3e-3,1e-3", "sweep.seeds=[0,1]", "backend=java",
                "stages.0.steps=10", "stages.0.schedule.warmup=2", "stages.0.eval_every=5",
                "stages.0.checkpoint_every=5", "task.config.eval_size=16",
                "--cluster", "--cluster-name", cluster, "--members", members,
                "--port", Integer.toString(ports[3]), "--out", sweep.toString()));

        // Kills the first worker seen running a trial's JVM: the worker and its child at once.
        int killed = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (killed < 0) {
            assertTrue(System.nanoTime() < deadline, () -> "no worker ran a trial\n"
                    + outputs(workers.size()));
            assertTrue(coordinator.isAlive(), () -> "the sweep ended before a worker was "
                    + "killed\n" + outputs(workers.size()));
            for (int i = 0; i < workers.size() && killed < 0; i++) {
                List<ProcessHandle> children = workers.get(i).descendants().toList();
                if (!children.isEmpty() && started("worker-" + i).size() > 0) {
                    // Into the run, past its JVM's start.
                    Thread.sleep(2000);
                    workers.get(i).destroyForcibly();
                    children.forEach(ProcessHandle::destroyForcibly);
                    killed = i;
                }
            }
            Thread.sleep(200);
        }
        assertTrue(workers.get(killed).waitFor(10, TimeUnit.SECONDS));
        List<String> lost = started("worker-" + killed);

        assertTrue(coordinator.waitFor(300, TimeUnit.SECONDS), () -> "the sweep did not end\n"
                + outputs(workers.size()));
        String out = read("coordinator.out");
        assertEquals(0, coordinator.exitValue(), () -> outputs(workers.size()));
        assertTrue(out.contains("cluster: " + cluster + ", coordinator 127.0.0.1:" + ports[3]),
                out);
        assertTrue(out.contains("0 skipped (finished before), 4 finished now, 0 failed"), out);

        try (Stream<Path> entries = Files.list(sweep.resolve("trials"))) {
            assertEquals(TRIALS, entries.map(p -> p.getFileName().toString()).sorted().toList(),
                    "one folder per trial, nothing staged left over");
        }
        for (String trial : TRIALS) {
            Path run = sweep.resolve("trials").resolve(trial);
            JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
            assertEquals("completed", result.get("status").asText(), trial);
            assertEquals(10, result.get("steps").asLong(), trial);
            // One attempt's folder: its log holds one run.
            String log = Files.readString(run.resolve("trial.log"));
            assertEquals(1, count(log, "train 10/10 loss"), trial + "\n" + log);
            long previous = 0;
            for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
                long step = JSON.readTree(line).path("step").asLong();
                assertTrue(step >= previous, trial + ": steps go back in " + line);
                previous = step;
            }
            assertEquals(10, previous, trial);
        }
        // The killed worker's trial ran again on another worker.
        List<String> survivors = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            if (i != killed) {
                survivors.addAll(started("worker-" + i));
            }
        }
        assertTrue(!lost.isEmpty() && survivors.containsAll(lost), () -> "lost " + lost
                + ", survivors ran " + survivors);
        assertEquals(TRIALS.size(), Stream.concat(lost.stream(), survivors.stream())
                .distinct().count(), () -> "lost " + lost + ", survivors ran " + survivors);
        System.out.println("killed worker-" + killed + " while it ran " + lost
                + "; the other workers ran " + survivors);

        List<String> csv = Files.readAllLines(sweep.resolve("results.csv"));
        assertEquals(3, csv.size(), csv::toString);
        List<String> header = List.of(csv.get(0).split(","));
        int runs = header.indexOf("runs");
        int trials = header.indexOf("trials");
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",");
            assertEquals("2", cells[runs], row);
            assertEquals("2", cells[trials], row);
        }
    }

    private Process start(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(DISTRIBUTION.resolve("bin/sparsa").toAbsolutePath().toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).directory(folder.toFile())
                .redirectOutput(folder.resolve(name + ".out").toFile())
                .redirectError(folder.resolve(name + ".err").toFile()).start();
        process.getOutputStream().close();
        processes.add(process);
        return process;
    }

    private void awaitOutput(String name, Process process,
            java.util.function.Predicate<String> ready, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!ready.test(read(name + ".out"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail(name + " did not get ready\n--- stdout\n" + read(name + ".out")
                        + "\n--- stderr\n" + read(name + ".err"));
            }
            Thread.sleep(250);
        }
    }

    /** The trials a worker started, as its log says. */
    private List<String> started(String worker) throws IOException {
        Matcher matcher = STARTED.matcher(read(worker + ".err"));
        List<String> trials = new ArrayList<>();
        while (matcher.find()) {
            trials.add(matcher.group(1));
        }
        return trials;
    }

    private String outputs(int workers) {
        List<String> names = new ArrayList<>(List.of("coordinator"));
        for (int i = 0; i < workers; i++) {
            names.add("worker-" + i);
        }
        return names.stream().map(n -> "--- " + n + " stdout\n" + read(n + ".out") + "\n--- "
                + n + " stderr\n" + read(n + ".err")).collect(Collectors.joining("\n"));
    }

    private String read(String file) {
        try {
            Path path = folder.resolve(file);
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
