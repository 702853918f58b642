package org.sparsa.runner.internal.sweep;

import java.io.Serial;
import java.io.Serializable;

/**
 * What a member sends back for one run of a trial: the run's exit code, the member that ran it
 * and the whole run folder as a zip, or why the run could not start.
 *
 * @param number the trial's number
 * @param exit the run's exit code, 0 on success; -1 when it could not start
 * @param member the member that ran it, as {@code HOST:PORT}
 * @param folder the run folder as {@link FolderArchive} packs it; empty when it could not start
 * @param error why the run could not start, or null
 */
public record TrialOutcome(int number, int exit, String member, byte[] folder, String error)
        implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Whether the run ended with exit code 0; its folder then should hold result.json. */
    public boolean succeeded() {
        return exit == 0 && error == null;
    }
}
