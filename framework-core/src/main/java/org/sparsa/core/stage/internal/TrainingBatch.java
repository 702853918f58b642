package org.sparsa.core.stage.internal;

import org.sparsa.api.tensor.IntTensor;

/**
 * One micro-batch of training sequences.
 *
 * @param tokens {@code [rows, time]}
 * @param lossMask {@code [rows, time]}: 1 where the token is a target of the loss; null when
 *     every token is
 * @param examples the task examples drawn to make it
 * @param targets the number of tokens the loss counts
 */
record TrainingBatch(IntTensor tokens, IntTensor lossMask, int examples, long targets) {
}
