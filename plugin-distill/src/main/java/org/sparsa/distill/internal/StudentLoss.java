package org.sparsa.distill.internal;

import java.util.Map;
import java.util.random.RandomGenerator;
import org.sparsa.api.autograd.Variable;

/** What a {@code distill} mode trains the student on, one micro-batch at a time. */
interface StudentLoss {

    /**
     * The student's loss on a fresh micro-batch of {@code rows} sequences of at most
     * {@code seqLen} tokens, everything drawn from {@code data}; the value of each part of the
     * loss is added to {@code parts} by metric name.
     */
    Variable next(int rows, int seqLen, RandomGenerator data, Map<String, Double> parts);

    /** The tokens (padding included) of the micro-batch {@link #next} drew last. */
    long lastTokens();
}
