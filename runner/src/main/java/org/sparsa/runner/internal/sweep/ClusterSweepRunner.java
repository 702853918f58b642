package org.sparsa.runner.internal.sweep;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.durableexecutor.DurableExecutorService;
import com.hazelcast.durableexecutor.DurableExecutorServiceFuture;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.spi.exception.RetryableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sweep's unfinished trials on the members of a Hazelcast cluster: the coordinator (a
 * member itself) sends each trial as a {@link TrialTask} to the cluster's durable executor,
 * aimed at a member with a free slot, and puts each returned run folder into the sweep folder
 * through {@link ReturnedTrials}. A task lives on its partition and that partition's backup,
 * so the trials of a member that is lost run again on the member that takes its partitions;
 * a task whose answer is lost altogether is sent again, up to {@value #ATTEMPTS} times. Each
 * trial is in the results once: the first finished run of it wins.
 */
public final class ClusterSweepRunner {
    /** How often a trial is sent before it counts as failed for the cluster's sake. */
    static final int ATTEMPTS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSweepRunner.class);

    private final SweepFolder folder;
    private final HazelcastInstance member;
    private final Function<Trial, TrialTask> tasks;
    private final ReturnedTrials returned;
    private final DurableExecutorService executor;

    /** One sending of a trial and where its answer is awaited. */
    private record Sent(Trial trial, int attempt, UUID member, String memberName, long taskId,
            boolean retrieving) {
    }

    /** A task's answer: its outcome, or why none came. */
    private record Answer(Sent sent, TrialOutcome outcome, Throwable failure) {
    }

    /**
     * @param member this process's member, the coordinator
     * @param tasks makes the task that runs a trial
     */
    public ClusterSweepRunner(SweepFolder folder, HazelcastInstance member,
            Function<Trial, TrialTask> tasks) {
        this.folder = folder;
        this.member = member;
        this.tasks = tasks;
        this.returned = new ReturnedTrials(folder);
        this.executor = member.getDurableExecutorService(ClusterSettings.EXECUTOR);
    }

    /**
     * Runs every trial of {@code manifest} that has not finished, showing progress on
     * {@code console}; waits for members that take trials when there are none yet.
     *
     * @throws InterruptedException when the sweep is stopped
     */
    public SweepOutcome run(SweepManifest manifest, PrintWriter console)
            throws InterruptedException {
        SweepProgress progress = new SweepProgress(console, manifest.trials().size(),
                Math.max(1, totalSlots()), manifest.metric(), manifest.maximise(),
                System::nanoTime);
        Deque<Trial> pending = new ArrayDeque<>();
        int skipped = 0;
        for (Trial trial : manifest.trials()) {
            if (folder.finished(trial)) {
                skipped++;
                progress.skipped(trial, folder.metric(trial, manifest.metric()));
            } else {
                pending.add(trial);
            }
        }
        progress.begin();
        BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
        Map<Integer, Sent> running = new HashMap<>();
        Map<Integer, Long> startedAt = new HashMap<>();
        Map<Integer, Integer> attempts = new HashMap<>();
        Set<Integer> settled = new HashSet<>();
        List<String> failed = new ArrayList<>();
        boolean waitingShown = false;
        while (!pending.isEmpty() || !running.isEmpty()) {
            List<Member> takers = takers();
            if (takers.isEmpty() && !pending.isEmpty() && !waitingShown) {
                console.println("cluster: waiting for members that take trials (sparsa worker)");
                console.flush();
                waitingShown = true;
            }
            for (Member taker : freeFirst(takers, running)) {
                int free = slots(taker) - busy(taker, running);
                for (; free > 0 && !pending.isEmpty(); free--) {
                    Trial trial = pending.poll();
                    if (startedAt.putIfAbsent(trial.number(), progress.now()) == null) {
                        progress.started(trial);
                    }
                    int attempt = attempts.merge(trial.number(), 1, Integer::sum);
                    send(trial, attempt, taker, running, answers);
                }
            }
            Answer answer = answers.poll(500, TimeUnit.MILLISECONDS);
            if (answer == null) {
                continue;
            }
            Trial trial = answer.sent().trial();
            int number = trial.number();
            boolean current = answer.sent().equals(running.get(number));
            if (settled.contains(number)) {
                dispose(answer);
                continue;
            }
            if (answer.failure() != null) {
                if (!current) {
                    continue;
                }
                Throwable cause = unwrap(answer.failure());
                if (cause instanceof HazelcastInstanceNotActiveException) {
                    throw new IllegalStateException("this sweep's cluster member stopped", cause);
                }
                if (cause instanceof RetryableException && !answer.sent().retrieving()) {
                    // The member that ran it is gone: its partition's new owner has the task.
                    LOG.info("trial {}: {} left, awaiting the task's rerun", trial.name(),
                            answer.sent().memberName());
                    retrieve(answer.sent(), running, answers);
                    continue;
                }
                running.remove(number);
                // A lost answer (the member that ran it and its backup are gone, the result
                // cannot be retrieved, or the member was stopped mid-trial) is the cluster's
                // fault, not the trial's.
                boolean lost = cause instanceof RetryableException || answer.sent().retrieving()
                        || cause instanceof InterruptedException;
                if (lost && attempts.get(number) < ATTEMPTS) {
                    console.println("cluster: trial " + trial.name() + " lost with "
                            + answer.sent().memberName() + "; sending it again");
                    console.flush();
                    pending.addFirst(trial);
                    continue;
                }
                String why = "on " + answer.sent().memberName() + ": " + cause;
                LOG.warn("trial {} failed", trial.name(), cause);
                settle(trial, false, why, progress, startedAt, settled, failed,
                        manifest.metric());
                continue;
            }
            TrialOutcome outcome = answer.outcome();
            String why = null;
            try {
                returned.install(trial, outcome);
            } catch (IOException e) {
                why = "cannot take its folder: " + e.getMessage();
                LOG.warn("trial {}: the returned folder cannot be installed", trial.name(), e);
            }
            dispose(answer);
            if (folder.finished(trial)) {
                running.remove(number);
                settle(trial, true, "", progress, startedAt, settled, failed,
                        manifest.metric());
            } else if (current) {
                running.remove(number);
                if (why == null) {
                    String reason = folder.failure(trial);
                    why = outcome.error() != null ? outcome.error()
                            : (outcome.exit() == 0 ? "exit 0 but no result.json"
                                    : "exit " + outcome.exit()) + " on " + outcome.member()
                                    + (reason == null ? "" : ": " + reason)
                                    + "; see " + folder.path().relativize(folder.trial(trial)
                                            .resolve(SweepFolder.TRIAL_LOG));
                }
                settle(trial, false, why, progress, startedAt, settled, failed,
                        manifest.metric());
            }
        }
        return new SweepOutcome(skipped, startedAt.size() - failed.size(), failed);
    }

    private void settle(Trial trial, boolean ok, String why, SweepProgress progress,
            Map<Integer, Long> startedAt, Set<Integer> settled, List<String> failed,
            String metric) {
        settled.add(trial.number());
        if (!ok) {
            failed.add(trial.name() + ": " + why);
        }
        progress.finished(trial, ok, ok ? folder.metric(trial, metric) : null,
                startedAt.get(trial.number()), why);
    }

    /** Sends {@code trial} to the durable executor, to a partition {@code taker} owns. */
    private void send(Trial trial, int attempt, Member taker, Map<Integer, Sent> running,
            BlockingQueue<Answer> answers) {
        String name = taker.getAddress().getHost() + ":" + taker.getAddress().getPort();
        DurableExecutorServiceFuture<TrialOutcome> future;
        try {
            future = executor.submitToKeyOwner(tasks.apply(trial), keyOwnedBy(taker, trial));
        } catch (RuntimeException e) {
            Sent sent = new Sent(trial, attempt, taker.getUuid(), name, -1, false);
            running.put(trial.number(), sent);
            answers.add(new Answer(sent, null, e));
            return;
        }
        Sent sent = new Sent(trial, attempt, taker.getUuid(), name, future.getTaskId(), false);
        running.put(trial.number(), sent);
        LOG.debug("trial {} sent to {} as task {}", trial.name(), name, sent.taskId());
        future.whenComplete((outcome, failure) -> answers.add(new Answer(sent, outcome,
                failure)));
    }

    /** Awaits the answer of a task whose member was lost, from the partition's new owner. */
    private void retrieve(Sent lost, Map<Integer, Sent> running, BlockingQueue<Answer> answers) {
        Sent sent = new Sent(lost.trial(), lost.attempt(), lost.member(), lost.memberName(),
                lost.taskId(), true);
        running.put(lost.trial().number(), sent);
        try {
            Future<TrialOutcome> future = executor.retrieveResult(lost.taskId());
            if (future instanceof CompletionStage<?> stage) {
                stage.whenComplete((outcome, failure) -> answers.add(new Answer(sent,
                        (TrialOutcome) outcome, failure)));
                return;
            }
            answers.add(new Answer(sent, null, new IllegalStateException(
                    "the task's result cannot be awaited")));
        } catch (RuntimeException e) {
            answers.add(new Answer(sent, null, e));
        }
    }

    private void dispose(Answer answer) {
        if (answer.outcome() == null || answer.sent().taskId() < 0) {
            return;
        }
        try {
            executor.disposeResult(answer.sent().taskId());
        } catch (RuntimeException e) {
            LOG.debug("cannot dispose the result of task {}", answer.sent().taskId(), e);
        }
    }

    /**
     * A key whose partition {@code taker} owns, so that the task runs there; any key when none
     * is found, since the partitions may be moving.
     */
    private Object keyOwnedBy(Member taker, Trial trial) {
        PartitionService partitions = member.getPartitionService();
        for (int i = 0; i < 4096; i++) {
            String key = "trial-" + trial.number() + "-" + i;
            if (taker.equals(partitions.getPartition(key).getOwner())) {
                return key;
            }
        }
        return "trial-" + trial.number();
    }

    /** The members that take trials: those that are not lite members. */
    private List<Member> takers() {
        return member.getCluster().getMembers().stream().filter(m -> !m.isLiteMember())
                .toList();
    }

    private int totalSlots() {
        return takers().stream().mapToInt(ClusterSweepRunner::slots).sum();
    }

    private static List<Member> freeFirst(List<Member> takers, Map<Integer, Sent> running) {
        return takers.stream().sorted(Comparator.comparingInt(
                (Member m) -> busy(m, running) - slots(m))).toList();
    }

    private static int busy(Member taker, Map<Integer, Sent> running) {
        return (int) running.values().stream().filter(s -> s.member().equals(taker.getUuid()))
                .count();
    }

    /** A member's slots as it announces them; 1 when it does not say. */
    static int slots(Member taker) {
        String value = taker.getAttribute(ClusterSettings.SLOTS_ATTRIBUTE);
        try {
            return value == null ? 1 : Math.max(0, Integer.parseInt(value));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException
                || (cause instanceof ExecutionException && !(cause instanceof RetryableException)))
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
