package org.sparsa.runner.internal.run;

/**
 * A new plugin revision that cannot take over the run's layers: its parameters differ from the
 * ones in use, or it fails to make a layer. The message says why; the run keeps the revision it
 * has.
 */
final class SwapRefused extends Exception {
    private static final long serialVersionUID = 1L;

    SwapRefused(String reason) {
        super(reason);
    }
}
