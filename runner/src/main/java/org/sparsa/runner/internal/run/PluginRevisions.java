package org.sparsa.runner.internal.run;

import java.util.List;

/**
 * Where the run learns, between two steps, that an attention plugin its model uses was
 * replaced: the OSGi registry in the distribution ({@link PluginSwaps}), nothing in runs built
 * from plain plugin objects ({@link #none()}). Called from the training thread only.
 */
interface PluginRevisions extends AutoCloseable {

    /**
     * At a step boundary inside a stage's training loop: the revisions that replaced plugins in
     * use. While such a plugin's bundle is being replaced this waits until the change has
     * settled. From the first call to {@link #stageEnded()}, the stage is known to stop at step
     * boundaries, so a bundle change waits for the next one before it lets the old revision go.
     */
    List<PluginRevision> atStepBoundary();

    /** As {@link #atStepBoundary()}, between two stages. */
    List<PluginRevision> atStageBoundary();

    /** The stage that called {@link #atStepBoundary()} has ended (or failed). */
    void stageEnded();

    /** The run now uses {@code revision}; the previous one is released. */
    void accepted(PluginRevision revision);

    /** The run refused {@code revision} and keeps the one it had. */
    void refused(PluginRevision revision);

    /** Stops watching and releases every service taken. */
    @Override
    void close();

    /** A source of no revisions. */
    static PluginRevisions none() {
        return new PluginRevisions() {
            @Override
            public List<PluginRevision> atStepBoundary() {
                return List.of();
            }

            @Override
            public List<PluginRevision> atStageBoundary() {
                return List.of();
            }

            @Override
            public void stageEnded() {
            }

            @Override
            public void accepted(PluginRevision revision) {
            }

            @Override
            public void refused(PluginRevision revision) {
            }

            @Override
            public void close() {
            }
        };
    }
}
