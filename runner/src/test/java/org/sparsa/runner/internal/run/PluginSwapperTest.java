package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.runner.internal.plugins.UsedPlugins;
import org.sparsa.runner.internal.report.MetricsEvent;
import org.sparsa.runner.internal.report.MetricsReader;

class PluginSwapperTest {

    /** Hands out queued revisions, one batch per boundary, and records the verdicts. */
    private static final class QueuedRevisions implements PluginRevisions {
        final Deque<List<PluginRevision>> queue = new ArrayDeque<>();
        final List<String> verdicts = new ArrayList<>();

        @Override
        public List<PluginRevision> atStepBoundary() {
            verdicts.add("step boundary");
            return queue.isEmpty() ? List.of() : queue.poll();
        }

        @Override
        public List<PluginRevision> atStageBoundary() {
            verdicts.add("stage boundary");
            return queue.isEmpty() ? List.of() : queue.poll();
        }

        @Override
        public void stageEnded() {
        }

        @Override
        public void accepted(PluginRevision revision) {
            verdicts.add("accepted " + revision.to());
        }

        @Override
        public void refused(PluginRevision revision) {
            verdicts.add("refused " + revision.to());
        }

        @Override
        public void close() {
        }
    }

    @Test
    void swapsAndRefusalsAreAppliedLoggedAndReadBackAsEvents(@TempDir Path dir)
            throws IOException {
        ModelConfig config = ModelConfig.llama(13, 8, 2, 2, 2, 16).withMaxSequence(16)
                .withAttention(new AttentionChoice(GatedAttention.ID, Map.of()));
        GatedAttention v1 = new GatedAttention(4, 1, false);
        LlamaModel model = new LlamaModel(config, new ParameterStore(
                new Autograd(new JavaBackend()), 3), List.of(v1, v1));
        GatedAttention v2 = new GatedAttention(4, 2, false);
        QueuedRevisions revisions = new QueuedRevisions();
        revisions.queue.add(List.of(
                new PluginRevision(GatedAttention.ID, "1.0.0", "1.1.0",
                        new GatedAttention(8, 1, false), null)));
        revisions.queue.add(List.of(
                new PluginRevision(GatedAttention.ID, "1.0.0", "1.2.0", null,
                        "the new revision did not resolve")));
        revisions.queue.add(List.of(
                new PluginRevision(GatedAttention.ID, "1.0.0", "2.0.0", v2, null)));
        AttentionLayer original = model.attention(1);
        UsedPlugins used = new UsedPlugins(new ShippedPlugins());
        try (MetricsWriter metrics = new MetricsWriter(dir, 0)) {
            PluginSwapper swapper = new PluginSwapper(model, revisions, metrics, used);
            swapper.atStepBoundary(3);
            assertSame(original, model.attention(1), "a refused revision changes nothing");
            swapper.atStageBoundary(5);
            swapper.atStepBoundary(7);
            swapper.atStepBoundary(8);
        }
        assertEquals(List.of("step boundary", "refused 1.1.0", "stage boundary",
                "refused 1.2.0", "step boundary", "accepted 2.0.0", "step boundary"),
                revisions.verdicts);
        assertEquals(2, v2.made, "both layers were made by the accepted revision");
        assertEquals(List.of(new UsedPlugins.Use(PluginKind.ATTENTION, GatedAttention.ID,
                GatedAttention.class)), used.uses(), "only the accepted revision is recorded");
        assertTrue(model.attention(1) != original);

        List<MetricsEvent> events = MetricsReader.readEvents(dir.resolve(MetricsWriter.FILE_NAME));
        assertEquals(List.of(3L, 5L, 7L), events.stream().map(MetricsEvent::step).toList());
        assertEquals(MetricsEvent.SWAP_REFUSED, events.get(0).event());
        assertEquals("layer 0: parameter 'gate.weight' has shape [8], expected [4]",
                events.get(0).field("reason"));
        assertEquals("the new revision did not resolve", events.get(1).field("reason"));
        assertEquals(new MetricsEvent(MetricsEvent.PLUGIN_SWAP, 7, Map.of("plugin",
                GatedAttention.ID, "from", "1.0.0", "to", "2.0.0", "layers", "[0,1]")),
                events.get(2));
        assertTrue(Files.readAllLines(dir.resolve(MetricsWriter.FILE_NAME)).get(2).startsWith(
                "{\"event\":\"plugin_swap\",\"step\":7,\"time_s\":"));
        // A metrics reader for plots and tables passes over every one of them.
        assertEquals(List.of(), MetricsReader.read(dir.resolve(MetricsWriter.FILE_NAME)));

        // Resuming from the checkpoint of step 5 keeps the events up to it, and only those.
        MetricsWriter.truncateAfter(dir, 5);
        assertEquals(List.of(3L, 5L), MetricsReader.readEvents(dir.resolve(
                MetricsWriter.FILE_NAME)).stream().map(MetricsEvent::step).toList());
    }
}
