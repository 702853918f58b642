package org.sparsa.runner.internal.sweep;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsa.runner.internal.recipe.RecipeException;

/** Some trials of a sweep have invalid recipes; carries every such trial's problems. */
public final class InvalidTrialsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Map<Trial, RecipeException> invalid;
    private final int trialCount;

    /**
     * @param invalid each invalid trial with its recipe's problems, in trial order
     * @param trialCount how many trials the sweep has
     */
    public InvalidTrialsException(Map<Trial, RecipeException> invalid, int trialCount) {
        super(invalid.size() + " of " + trialCount + " trials are invalid");
        this.invalid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(invalid));
        this.trialCount = trialCount;
    }

    /** Each invalid trial with its problems, in trial order. */
    public Map<Trial, RecipeException> invalid() {
        return invalid;
    }

    /** How many trials the sweep has. */
    public int trialCount() {
        return trialCount;
    }
}
