package org.sparsa.core.model;

import java.util.Map;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.parameter.Parameters;

/**
 * An attention layer that can also measure itself on an input: numbers that say how the layer
 * works (how much of the dense attention a sparse selection covers), not part of the objective.
 * The model asks every layer that implements it through {@link LlamaModel#diagnostics}; the
 * attention API leaves it out because only evaluation reads it.
 */
public interface AttentionDiagnostics {

    /**
     * The layer's measurements on {@code input}, computed without recording a graph.
     *
     * @param input hidden states and projected q, k, v, as {@code forward} gets them
     * @param parameters the layer's own parameters
     * @param mode the mode the layer runs in
     * @return values by name, such as {@code indexer_recall}
     */
    Map<String, Double> diagnose(AttentionInput input, Parameters parameters, String mode);
}
