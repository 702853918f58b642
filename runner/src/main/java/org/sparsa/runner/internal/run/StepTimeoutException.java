package org.sparsa.runner.internal.run;

/**
 * A step of a stage did not finish within the stage's {@code step_timeout}; the message names
 * the step, the stage, the limit and, where the stuck thread is in a plugin's code, the plugin
 * and the frame.
 */
final class StepTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StepTimeoutException(String message) {
        super(message);
    }
}
