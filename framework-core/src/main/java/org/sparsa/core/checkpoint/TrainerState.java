package org.sparsa.core.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a trainer needs besides weights and optimiser to resume exactly, stored as
 * {@code trainer_state.json}.
 *
 * @param step the number of optimiser steps taken; names the checkpoint folder
 * @param dataPosition where the data stream stands (examples or tokens consumed, as the
 *     trainer counts)
 * @param rngStates the state of each random stream by purpose ({@code data}, {@code dropout}),
 *     as {@link org.sparsa.core.random.SplitMix64#state()} returns it
 * @param extra anything else the caller keeps (loss history, stage name): values that JSON
 *     holds (strings, numbers, booleans, lists and maps of them); read back as Jackson maps them
 *     (whole numbers as Integer or Long, others as Double)
 */
public record TrainerState(long step, long dataPosition, Map<String, Long> rngStates,
        Map<String, Object> extra) {

    /** Checks the counts and copies the maps, keeping their order. */
    public TrainerState {
        if (step < 0) {
            throw new IllegalArgumentException("trainer state: step " + step + " is negative");
        }
        if (dataPosition < 0) {
            throw new IllegalArgumentException("trainer state: dataPosition " + dataPosition
                    + " is negative");
        }
        rngStates = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(rngStates, "rngStates")));
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(extra, "extra")));
    }

    /** A state without extra entries. */
    public TrainerState(long step, long dataPosition, Map<String, Long> rngStates) {
        this(step, dataPosition, rngStates, Map.of());
    }
}
