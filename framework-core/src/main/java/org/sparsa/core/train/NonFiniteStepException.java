package org.sparsa.core.train;

import java.util.List;

/**
 * A step whose loss or gradients are not finite (NaN or infinite): the optimiser did not step,
 * so parameters and optimiser state are exactly as before it. It names the parameters whose
 * gradients hold a non-finite value, so a diverging layer can be found.
 */
public final class NonFiniteStepException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    /** How many offending parameter names a message shows before it only counts them. */
    static final int NAMES_SHOWN = 5;

    private final long step;
    private final double loss;
    private final double gradNorm;
    private final List<String> parameters;

    /**
     * @param step the optimiser's step count when the step was attempted
     * @param loss the mean loss of the step's micro-batches
     * @param gradNorm the global gradient norm before clipping
     * @param parameters the parameters whose gradients hold a non-finite value, in store order
     */
    public NonFiniteStepException(long step, double loss, double gradNorm,
            List<String> parameters) {
        super("TrainStep: step " + step + " has loss " + loss + " and gradient norm "
                + gradNorm + "; non-finite gradients in " + describe(parameters)
                + "; the optimiser did not step");
        this.step = step;
        this.loss = loss;
        this.gradNorm = gradNorm;
        this.parameters = List.copyOf(parameters);
    }

    /** The optimiser's step count when the step was attempted. */
    public long step() {
        return step;
    }

    /** The step's mean loss, possibly NaN or infinite. */
    public double loss() {
        return loss;
    }

    /** The global gradient norm before clipping, possibly NaN or infinite. */
    public double gradNorm() {
        return gradNorm;
    }

    /** The parameters whose gradients hold a non-finite value, in store order. */
    public List<String> parameters() {
        return parameters;
    }

    /**
     * {@code names} for a log line: the first few, then how many there are in all ("none"
     * when the loss alone was not finite).
     */
    public static String describe(List<String> names) {
        if (names.isEmpty()) {
            return "no parameter";
        }
        List<String> shown = names.subList(0, Math.min(names.size(), NAMES_SHOWN));
        return names.size() + " parameter" + (names.size() == 1 ? "" : "s") + " ("
                + String.join(", ", shown) + (names.size() > shown.size() ? ", ..." : "")
                + ")";
    }
}
