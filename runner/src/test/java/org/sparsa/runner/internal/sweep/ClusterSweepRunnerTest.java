package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clustered sweep on a real Hazelcast cluster in this JVM (loopback, two members that take
 * trials and a coordinator that takes none), its trials run by an in-process stand-in: every
 * trial's folder comes back into the sweep folder, and when a member is terminated while it
 * runs a trial, that trial runs again on the other member and is in the results once.
 */
class ClusterSweepRunnerTest {
    private static final long TRIAL_MILLIS = 1500;

    @TempDir
    Path dir;

    private final List<HazelcastInstance> members = new ArrayList<>();
    /** {@code MEMBER TRIAL} for every run started, in order. */
    private final List<String> launches = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopMembers() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }

    /** A member's stand-in launcher: a run that takes a while, then writes its result. */
    private TrialHost host(String name, CountDownLatch running) {
        TrialLauncher launcher = (trial, folder, log) -> {
            launches.add(name + " " + trial.name());
            Files.writeString(log, "run of " + trial.name() + " on " + name + "\n");
            running.countDown();
            Thread.sleep(TRIAL_MILLIS);
            Files.writeString(folder.resolve("result.json"), "{\"status\":\"completed\","
                    + "\"loss\":" + trial.number() + "}");
            return 0;
        };
        return new TrialHost(dir.resolve("scratch-" + name), dir,
                (recipe, overrides, working) -> {
                    assertEquals("name: tiny\n", readQuietly(recipe));
                    assertEquals(List.of("backend=java"), overrides);
                    return launcher;
                });
    }

    @Test
    void everyTrialIsInTheResultsOnceAfterAMemberIsLostMidTrial() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        List<MemberAddress> all = List.of(new MemberAddress("127.0.0.1", ports[0]),
                new MemberAddress("127.0.0.1", ports[1]),
                new MemberAddress("127.0.0.1", ports[2]));
        String cluster = "test-" + UUID.randomUUID();
        CountDownLatch lostRuns = new CountDownLatch(1);
        HazelcastInstance doomed = start(new ClusterSettings(cluster, "127.0.0.1", ports[0],
                all, 1), host("doomed", lostRuns));
        start(new ClusterSettings(cluster, "127.0.0.1", ports[1], all, 1),
                host("survivor", new CountDownLatch(1)));
        HazelcastInstance coordinator = start(new ClusterSettings(cluster, "127.0.0.1",
                ports[2], all, 0), null);
        assertEquals(3, coordinator.getCluster().getMembers().size());

        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            trials.add(new Trial(i, i + "-x=" + i, "x=" + i, Map.of("x", "" + i), null,
                    List.of("x=" + i)));
        }
        SweepManifest manifest = new SweepManifest("tiny.yaml", "tiny", List.of("backend=java"),
                Map.of(), "loss", "min", "sha256:0", trials);
        SweepFolder folder = SweepFolder.prepare(dir.resolve("sweep"), manifest);
        StringWriter console = new StringWriter();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<SweepOutcome> sweep = background.submit(() -> new ClusterSweepRunner(folder,
                    coordinator, trial -> new TrialTask(trial, "tiny.yaml", "name: tiny\n",
                            manifest.overrides())).run(manifest, new PrintWriter(console)));
            assertTrue(lostRuns.await(60, TimeUnit.SECONDS), "no trial started on the doomed "
                    + "member");
            doomed.getLifecycleService().terminate();

            SweepOutcome outcome = sweep.get(120, TimeUnit.SECONDS);
            assertEquals(new SweepOutcome(0, 4, List.of()), outcome, console::toString);
        } finally {
            background.shutdownNow();
        }
        for (Trial trial : trials) {
            assertEquals("{\"status\":\"completed\",\"loss\":" + trial.number() + "}",
                    Files.readString(folder.result(trial)), trial.name());
            String log = Files.readString(folder.trial(trial).resolve(SweepFolder.TRIAL_LOG));
            assertTrue(log.startsWith("run of " + trial.name() + " on "), log);
        }
        try (Stream<Path> entries = Files.list(folder.path().resolve(SweepFolder.TRIALS))) {
            assertEquals(trials.stream().map(Trial::name).sorted().toList(),
                    entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
        // The trial the lost member had started ran again on the survivor.
        String lost = launches.stream().filter(l -> l.startsWith("doomed ")).findFirst()
                .orElseThrow().substring("doomed ".length());
        assertTrue(launches.contains("survivor " + lost), launches::toString);
        assertTrue(console.toString().contains("sweep 4/4 done"), console::toString);
    }

    private HazelcastInstance start(ClusterSettings settings, TrialHost host) {
        HazelcastInstance member = ClusterMember.start(settings, host);
        members.add(member);
        return member;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
