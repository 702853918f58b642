package org.sparsa.core.verify;

import java.util.Set;
import org.sparsa.api.compute.BackendKind;

/**
 * An op that can reproduce golden cases, registered as a service with the property
 * {@value #OP_PROPERTY} set to the op name the cases carry in their metadata
 * ({@code quant.fp8_e4m3}). Plugins register their own ops the same way.
 */
public interface GoldenOp {
    /** The service property naming the op. */
    String OP_PROPERTY = "sparsa.golden.op";

    /** The backends the op runs on. */
    Set<BackendKind> backends();

    /**
     * Computes every {@code out.*} the case expects and, where it has {@code dout.*}, every
     * {@code grad.*}.
     *
     * @throws IllegalArgumentException when the case's tensors or configuration do not fit the op
     */
    GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend);
}
