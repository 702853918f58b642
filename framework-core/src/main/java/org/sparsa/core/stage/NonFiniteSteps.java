package org.sparsa.core.stage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.core.train.NonFiniteStepException;
import org.sparsa.core.train.TrainStep;

/**
 * The guard a training loop puts around each optimiser step: a step whose loss or gradients
 * are not finite is skipped (the optimiser does not step, so weights and AdamW state stay those
 * of the last good step), logged as a warning with the step and the offending parameters, and
 * recorded as a {@value #EVENT} event in the metrics; after {@code limit} such steps in a row
 * the stage stops with an error, before anything of the bad steps could reach a checkpoint.
 * Any good step resets the count.
 */
public final class NonFiniteSteps {
    /** The name of the event each skipped step records. */
    public static final String EVENT = "nonfinite_step";
    /** How many offending parameter names an event lists; the count says how many in all. */
    static final int NAMES_RECORDED = 20;

    private static final Logger LOG = LoggerFactory.getLogger(NonFiniteSteps.class);

    private final String stage;
    private final int limit;
    private final MetricsSink metrics;
    private int inARow;
    private long firstOfRow;

    /**
     * @param stage the stage's name, for messages
     * @param limit the non-finite steps in a row that stop the stage (at least 1)
     * @param metrics where the events go
     */
    public NonFiniteSteps(String stage, int limit, MetricsSink metrics) {
        if (limit < 1) {
            throw new IllegalArgumentException("stage '" + stage + "': max_nonfinite_steps "
                    + limit + " must be at least 1");
        }
        this.stage = Objects.requireNonNull(stage, "stage");
        this.limit = limit;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Runs {@code attempt}, the optimiser step of stage step {@code step}: its result, or empty
     * when the step had a non-finite loss or gradients and was skipped.
     *
     * @throws IllegalStateException naming the stage, the steps and the offending parameters
     *     when this is the {@code limit}-th non-finite step in a row
     */
    public Optional<TrainStep.Result> run(long step, Supplier<TrainStep.Result> attempt) {
        TrainStep.Result result;
        try {
            result = attempt.get();
        } catch (NonFiniteStepException e) {
            skipped(step, e);
            return Optional.empty();
        }
        inARow = 0;
        return Optional.of(result);
    }

    /** Non-finite steps since the last good one. */
    public int inARow() {
        return inARow;
    }

    private void skipped(long step, NonFiniteStepException e) {
        if (inARow == 0) {
            firstOfRow = step;
        }
        inARow++;
        String parameters = NonFiniteStepException.describe(e.parameters());
        LOG.warn("stage '{}' step {}: loss {}, gradient norm {}, non-finite gradients in {}; "
                + "step skipped, weights and optimiser unchanged ({} of {} in a row allowed)",
                stage, step, e.loss(), e.gradNorm(), parameters, inARow, limit);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("loss", finiteOrText(e.loss()));
        details.put("grad_norm", finiteOrText(e.gradNorm()));
        List<String> names = e.parameters();
        details.put("parameters", List.copyOf(names.subList(0,
                Math.min(names.size(), NAMES_RECORDED))));
        details.put("parameter_count", names.size());
        details.put("in_a_row", inARow);
        metrics.event(step, EVENT, details);
        if (inARow >= limit) {
            throw new IllegalStateException("stage '" + stage + "': " + inARow + " steps in a "
                    + "row (" + firstOfRow + " to " + step + ") had a non-finite loss or "
                    + "gradients, the limit max_nonfinite_steps is " + limit + "; the last: loss "
                    + e.loss() + ", gradient norm " + e.gradNorm() + ", non-finite gradients in "
                    + parameters + ". The run stops; no checkpoint was written from these "
                    + "steps, so the latest checkpoint is the last good one. Lower lr, clip "
                    + "gradients (grad_clip) or raise max_nonfinite_steps");
        }
    }

    /** NaN and infinities are not JSON numbers: written as text ("NaN", "Infinity"). */
    private static Object finiteOrText(double value) {
        return Double.isFinite(value) ? (Object) value : Double.toString(value);
    }
}
