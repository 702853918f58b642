package org.sparsa.runner.internal.bench;

import java.util.Locale;

/** Which passes of an attention layer {@code sparsa bench attention} times ({@code --mode}). */
public enum AttentionPasses {
    /** The forward pass alone, recording the graph as training does: {@code fwd_seconds}. */
    FWD,
    /**
     * Forward and backward of the output's sum and the auxiliary losses:
     * {@code fwd_bwd_seconds}.
     */
    FWD_BWD,
    /** Both of the above, as the baseline measures. */
    BOTH;

    /** Whether the forward pass alone is timed. */
    public boolean forward() {
        return this != FWD_BWD;
    }

    /** Whether forward and backward together are timed. */
    public boolean forwardBackward() {
        return this != FWD;
    }

    /**
     * The passes named {@code text}: {@code fwd}, {@code fwd_bwd} or {@code both}.
     *
     * @throws IllegalArgumentException naming the accepted values otherwise
     */
    public static AttentionPasses parse(String text) {
        for (AttentionPasses passes : values()) {
            if (passes.name().toLowerCase(Locale.ROOT).equals(text)) {
                return passes;
            }
        }
        throw new IllegalArgumentException("--mode '" + text + "': expected fwd, fwd_bwd or both");
    }
}
