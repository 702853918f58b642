package org.sparsa.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One decoding step of a batch: what each sequence picked and why.
 *
 * @param tokens the picked id of each sequence
 * @param logProbs each picked token's log-probability under the model (the value a training
 *     forward recomputes)
 * @param samplerLogProbs each picked token's log-probability under the distribution it was drawn
 *     from (temperature and truncation applied; 0 when greedy)
 * @param kept per sequence the ids a truncating sampler kept, ascending; null entries when the
 *     sampler keeps every token
 * @param routing the experts each picked token went to when fed back, {@code [batch, 1, topK]}
 *     per MoE layer
 */
public record GenerationStep(int[] tokens, double[] logProbs, double[] samplerLogProbs,
        List<int[]> kept, Routing routing) {
    public GenerationStep {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(logProbs, "logProbs");
        Objects.requireNonNull(samplerLogProbs, "samplerLogProbs");
        // An unmodifiable view that allows the null entries of non-truncating samplers.
        kept = Collections.unmodifiableList(new ArrayList<>(kept));
        Objects.requireNonNull(routing, "routing");
    }
}
