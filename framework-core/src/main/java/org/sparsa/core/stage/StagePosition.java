package org.sparsa.core.stage;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a training stage stands, saved with each checkpoint so that a resumed stage draws the
 * same data from the same step on.
 *
 * @param step the stage's optimiser steps taken
 * @param dataPosition training examples drawn so far
 * @param rngStates the state of each of the stage's random streams by purpose
 */
public record StagePosition(long step, long dataPosition, Map<String, Long> rngStates) {
    public StagePosition {
        if (step < 0 || dataPosition < 0) {
            throw new IllegalArgumentException("stage position: step " + step
                    + " and data position " + dataPosition + " must not be negative");
        }
        rngStates = Collections.unmodifiableMap(new LinkedHashMap<>(rngStates));
    }
}
