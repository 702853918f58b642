package org.sparsa.api.autograd;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A region of code whose ops record no graph ({@code try (GradScope s = ops.noGrad()) {…}}):
 * evaluation, sampling and reference-model passes.
 */
@ProviderType
public interface GradScope extends AutoCloseable {

    /** Ends the region, restoring the previous recording mode. */
    @Override
    void close();
}
