package org.sparsa.core.stage.internal;

import java.util.random.RandomGenerator;

/**
 * Makes training micro-batches from task examples. Everything a batch depends on is drawn from
 * the generator passed in, and nothing carries over from one batch to the next, so the
 * generator's state alone is the data position a resumed stage restores.
 */
interface BatchSource {

    /** The next micro-batch of {@code rows} sequences of at most {@code seqLen} tokens. */
    TrainingBatch next(int rows, int seqLen, RandomGenerator random);
}
