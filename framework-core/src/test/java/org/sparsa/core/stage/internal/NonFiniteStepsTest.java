package org.sparsa.core.stage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.stage.NonFiniteSteps;
import org.sparsa.core.stage.StageSettings;

/** The training loop's guard against NaN, with NaN injected by the attention of chosen steps. */
class NonFiniteStepsTest {

    private static StageSettings everyStepCheckpointed(long steps, int limit) {
        return new StageSettings(steps, 4, 16, 1e-2, "constant", 0, 0, 0, 1.0, 1, List.of(),
                StageSettings.DEFAULT_MODE, 0, 1).withMaxNonFiniteSteps(limit);
    }

    @Test
    void nanStepsAreSkippedLoggedAsEventsAndTrainingGoesOn() throws Exception {
        TestContext context = new TestContext(new FixedTask(), everyStepCheckpointed(6, 3),
                new PoisonedAttention(Set.of(3, 4), Integer.MAX_VALUE));
        new PretrainStageKind().create(PluginConfig.empty()).run(context);

        assertEquals(List.of(3L, 4L), context.events.stream().map(e -> e.get("step")).toList());
        Map<String, Object> first = context.events.get(0);
        assertEquals(NonFiniteSteps.EVENT, first.get("event"));
        assertEquals("NaN", first.get("loss"));
        assertEquals(1, first.get("in_a_row"));
        assertEquals(2, context.events.get(1).get("in_a_row"));
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) first.get("parameters");
        assertTrue(names.contains("lm_head.weight"), names.toString());
        assertEquals(context.model().parameters().names().size(), first.get("parameter_count"));
        // No metrics and no checkpoint for a skipped step; the optimiser stepped only on the
        // good ones (two before the NaN, one more after each later step).
        assertEquals(List.of(1L, 2L, 5L, 6L, 6L), context.steps);
        assertEquals(List.of(1L, 2L, 5L, 6L),
                context.saved.stream().map(p -> p.step()).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L), context.savedOptimizerSteps);
        for (Map<String, Double> line : context.lines) {
            line.values().forEach(v -> assertTrue(Double.isFinite(v), line.toString()));
        }
    }

    @Test
    void tooManyNanStepsInARowStopTheStageAfterTheLastGoodCheckpoint() {
        TestContext context = new TestContext(new FixedTask(), everyStepCheckpointed(10, 3),
                new PoisonedAttention(Set.of(2), 5));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PretrainStageKind().create(PluginConfig.empty()).run(context));
        assertTrue(e.getMessage().contains("stage 'test': 3 steps in a row (5 to 7)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("max_nonfinite_steps is 3"), e.getMessage());
        int parameters = context.model().parameters().names().size();
        assertTrue(e.getMessage().contains("non-finite gradients in " + parameters
                + " parameters (model.embed_tokens.weight, "), e.getMessage());
        // Step 2 was bad alone and step 3 reset the count; 5, 6, 7 stopped the run.
        assertEquals(List.of(2L, 5L, 6L, 7L),
                context.events.stream().map(ev -> ev.get("step")).toList());
        assertEquals(List.of(1L, 3L, 4L), context.saved.stream().map(p -> p.step()).toList());
    }

    @Test
    void theLimitMustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> everyStepCheckpointed(4, 0));
    }
}
