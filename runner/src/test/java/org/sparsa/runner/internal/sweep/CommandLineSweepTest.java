package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.SweepParameter;

class CommandLineSweepTest {
    @Test
    void commaListsAreSweptAndPlainOverridesKept() {
        CommandLineSweep sweep = CommandLineSweep.parse(List.of("stages.0.lr=1e-4,3e-4",
                "model.attention.config.select_count=2,4", "stages.0.steps=20",
                "model.attention={id: full, config: {}}", "task.config.pairs=[1, 2]"));
        assertEquals(List.of("stages.0.steps=20", "model.attention={id: full, config: {}}",
                "task.config.pairs=[1, 2]"), sweep.plain());
        assertEquals(Map.of("stages.0.lr", new SweepParameter.Choices(List.of(1.0e-4, 3.0e-4)),
                "model.attention.config.select_count", new SweepParameter.Choices(List.of(2, 4))),
                sweep.swept());
    }

    @Test
    void mappingsAndQuotedCommasStayWhole() {
        CommandLineSweep sweep = CommandLineSweep.parse(List.of(
                "model.attention={id: nsa, config: {window: 32}},{id: full}", "name='a,b'"));
        assertEquals(List.of("name='a,b'"), sweep.plain());
        assertEquals(new SweepParameter.Choices(List.of(Map.of("id", "nsa", "config",
                Map.of("window", 32)), Map.of("id", "full"))),
                sweep.swept().get("model.attention"));
    }

    @Test
    void anEmptyValueInAListIsAnError() {
        RecipeException e = assertThrows(RecipeException.class,
                () -> CommandLineSweep.parse(List.of("stages.0.lr=1e-4,,3e-4")));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).toString().startsWith("stages.0.lr: an empty value"),
                e.getMessage());
        assertTrue(e.errors().get(0).toString().contains("override 'stages.0.lr=1e-4,,3e-4'"),
                e.getMessage());
    }
}
