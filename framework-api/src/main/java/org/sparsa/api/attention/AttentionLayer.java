package org.sparsa.api.attention;

import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;

/**
 * One layer's attention, made by an {@link AttentionPlugin}. It holds no learnable state: the
 * parameters come in with every call.
 */
@ConsumerType
public interface AttentionLayer {

    /** The modes the layer supports (DSA: {@code dense}, {@code sparse}); the first is the default. */
    Set<String> modes();

    /**
     * Attends over a whole sequence (training and prefill).
     *
     * @param x input of shape [batch, time, hidden]
     * @param parameters the layer's parameters, named as in the plugin's specs
     * @param mode one of {@link #modes()}
     */
    AttentionOutput forward(Variable x, Parameters parameters, String mode);

    /** A fresh cache for decoding one sequence of up to {@code maxLength} positions. */
    KvCache newCache(int maxLength);

    /**
     * Attends for the next position of a sequence, appending it to {@code cache}.
     *
     * @param x input of shape [batch, 1, hidden]
     */
    Variable decode(Variable x, KvCache cache, Parameters parameters, String mode);
}
