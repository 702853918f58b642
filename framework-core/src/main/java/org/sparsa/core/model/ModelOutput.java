package org.sparsa.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.sparsa.api.autograd.Variable;

/**
 * What a pass of the model gives back.
 *
 * @param logits next-token logits, {@code [batch, time, vocab]}
 * @param auxiliaryLosses the attention layers' auxiliary losses, named
 *     {@code layer.{i}.{name}} (the DSA indexer KL); empty for most models
 * @param routing the experts every MoE layer chose (replayed ones when the pass replayed them);
 *     empty for a dense model
 */
public record ModelOutput(Variable logits, Map<String, Variable> auxiliaryLosses,
        Routing routing) {
    public ModelOutput {
        Objects.requireNonNull(logits, "logits");
        // Copied in order: the sum of the losses must not depend on a hash order.
        auxiliaryLosses = Collections.unmodifiableMap(new LinkedHashMap<>(auxiliaryLosses));
        Objects.requireNonNull(routing, "routing");
    }
}
