package org.sparsa.runner.internal.cli;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.sparsa.runner.internal.sweep.ChildJvmLauncher;
import org.sparsa.runner.internal.sweep.ClusterMember;
import org.sparsa.runner.internal.sweep.ClusterSettings;
import org.sparsa.runner.internal.sweep.MemberAddress;
import org.sparsa.runner.internal.sweep.TrialHost;
import org.sparsa.runner.internal.sweep.Workers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sparsa worker}: a Hazelcast member that takes the trials of clustered sweeps
 * ({@code sparsa sweep --cluster}), runs each as its own {@code sparsa run} in a scratch folder
 * and sends the run folder back to the coordinator; it runs until stopped.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Take trials of clustered sweeps (sparsa sweep --cluster) until stopped: "
                + "joins the members given by --join over TCP (no multicast), runs each trial "
                + "as its own `sparsa run` in a scratch folder and sends the folder back to "
                + "the sweep's coordinator.")
public final class WorkerCommand implements Callable<Integer> {
    /** The cluster a worker joins when not told otherwise. */
    static final String DEFAULT_CLUSTER = "sparsa";

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Members to join: other workers or the coordinator; listing this "
                    + "worker too is fine.")
    String join;

    @Option(names = "--cluster", paramLabel = "NAME", description = "The cluster's name, as "
            + "the coordinator prints it (default: " + DEFAULT_CLUSTER + ").")
    String cluster = DEFAULT_CLUSTER;

    @Option(names = "--bind", paramLabel = "HOST", description = "The address to listen on "
            + "and announce; other machines must reach it (default: " + ClusterSettings.LOOPBACK
            + ", this machine only).")
    String bind = ClusterSettings.LOOPBACK;

    @Option(names = "--port", paramLabel = "P", description = "The port to listen on (default: "
            + ClusterSettings.DEFAULT_PORT + " or the next free one).")
    Integer port;

    @Option(names = "--slots", paramLabel = "N", description = "Trials run at once (default: "
            + "as sparsa sweep --workers: half the cores, at most one per 2 GiB free memory).")
    Integer slots;

    @Option(names = "--scratch", paramLabel = "DIR", description = "Where trials run before "
            + "their folders go back (default: a folder under the system's temporary folder).")
    Path scratch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter console = spec.commandLine().getOut();
        if (System.getProperty("sparsa.home") == null) {
            throw new IllegalStateException("a worker starts its trials through the launcher, "
                    + "but sparsa.home is not set; start it with bin/sparsa worker");
        }
        int taken = slots != null ? slots : Workers.byDefault();
        if (taken < 1) {
            throw new IllegalArgumentException("--slots: a worker takes at least 1 trial, found "
                    + taken);
        }
        ClusterSettings settings = new ClusterSettings(cluster, bind, port,
                MemberAddress.parseList("--join", join), taken);
        Path workingFolder = Path.of("").toAbsolutePath();
        Path scratchFolder = scratch != null ? scratch.toAbsolutePath() : Path.of(
                System.getProperty("java.io.tmpdir"), "sparsa-worker-" + ProcessHandle.current()
                        .pid());
        TrialHost host = new TrialHost(scratchFolder, workingFolder, ChildJvmLauncher::new);
        CountDownLatch stopped = new CountDownLatch(1);
        HazelcastInstance member = ClusterMember.start(settings, host);
        member.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleState.SHUTDOWN) {
                stopped.countDown();
            }
        });
        member.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                members(console, "joined", event);
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                members(console, "left", event);
            }
        });
        console.println("worker: " + ClusterMember.address(member) + " in cluster " + cluster
                + ", " + taken + (taken == 1 ? " slot" : " slots") + ", scratch " + scratchFolder
                + "; " + member.getCluster().getMembers().size() + " members");
        console.flush();
        try {
            if (member.getLifecycleService().isRunning()) {
                stopped.await();
            }
        } finally {
            if (member.getLifecycleService().isRunning()) {
                member.shutdown();
            }
        }
        return 0;
    }

    private static void members(PrintWriter console, String what, MembershipEvent event) {
        console.println("worker: " + event.getMember().getAddress().getHost() + ":"
                + event.getMember().getAddress().getPort() + " " + what + "; "
                + event.getMembers().size() + " members");
        console.flush();
    }
}
