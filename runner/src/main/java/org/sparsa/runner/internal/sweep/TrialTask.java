package org.sparsa.runner.internal.sweep;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;

/**
 * One trial as the coordinator sends it to a member: everything the member needs to run it
 * without the coordinator's files (the recipe's text, the sweep's and the trial's overrides),
 * so that members need not share a file system. The member runs it through its
 * {@link TrialHost}; the answer carries the finished run folder back.
 */
public final class TrialTask implements Callable<TrialOutcome>, Serializable,
        HazelcastInstanceAware {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int number;
    private final String name;
    private final String configuration;
    private final LinkedHashMap<String, String> parameters;
    private final Long seed;
    private final String recipeFileName;
    private final String recipeText;
    private final ArrayList<String> sweepOverrides;
    private final ArrayList<String> trialOverrides;
    private transient HazelcastInstance member;

    /**
     * @param trial the trial to run
     * @param recipeFileName the recipe's file name, so that the member's copy reads the same in
     *     logs
     * @param recipeText the recipe's text
     * @param sweepOverrides the overrides every trial of the sweep gets, before the trial's own
     */
    public TrialTask(Trial trial, String recipeFileName, String recipeText,
            List<String> sweepOverrides) {
        this.number = trial.number();
        this.name = trial.name();
        this.configuration = trial.configuration();
        this.parameters = new LinkedHashMap<>(trial.parameters());
        this.seed = trial.seed();
        this.recipeFileName = recipeFileName;
        this.recipeText = recipeText;
        this.sweepOverrides = new ArrayList<>(sweepOverrides);
        this.trialOverrides = new ArrayList<>(trial.overrides());
    }

    /** The trial as the coordinator sent it. */
    public Trial trial() {
        return new Trial(number, name, configuration, parameters, seed, trialOverrides);
    }

    public String recipeFileName() {
        return recipeFileName;
    }

    public String recipeText() {
        return recipeText;
    }

    public List<String> sweepOverrides() {
        return List.copyOf(sweepOverrides);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /**
     * Runs the trial on this member.
     *
     * @throws IllegalStateException when this member has no {@link TrialHost}
     */
    @Override
    public TrialOutcome call() throws InterruptedException {
        Object host = member == null ? null : member.getUserContext().get(TrialHost.CONTEXT_KEY);
        if (!(host instanceof TrialHost trialHost)) {
            throw new IllegalStateException("member " + (member == null ? "?"
                    : ClusterMember.address(member))
                    + " takes no trials (it was not started by sparsa worker)");
        }
        return trialHost.run(this, ClusterMember.address(member));
    }
}
