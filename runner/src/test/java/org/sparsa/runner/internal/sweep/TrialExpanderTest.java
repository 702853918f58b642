package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.runner.internal.recipe.SweepParameter;
import org.sparsa.runner.internal.recipe.SweepSpec;

class TrialExpanderTest {
    private static SweepSpec grid(Map<String, SweepParameter> parameters, List<Long> seeds) {
        return new SweepSpec("grid", parameters, seeds, 0, 0, "loss", "min");
    }

    private static SweepSpec random(Map<String, SweepParameter> parameters, int trials,
            long seed) {
        return new SweepSpec("random", parameters, List.of(), trials, seed, "loss", "min");
    }

    @Test
    void gridIsTheProductOfTheListsTimesTheSeeds() {
        Map<String, SweepParameter> p = new LinkedHashMap<>();
        p.put("stages.0.lr", new SweepParameter.Choices(List.of(1.0e-4, 3.0e-4)));
        p.put("model.attention.config.select_count", new SweepParameter.Choices(List.of(2, 4,
                8)));
        List<Trial> trials = TrialExpander.expand(grid(p, List.of(0L, 1L)));
        assertEquals(12, trials.size());
        Trial first = trials.get(0);
        assertEquals("00-lr=0.0001_select_count=2_seed=0", first.name());
        assertEquals("lr=0.0001,select_count=2", first.configuration());
        assertEquals(List.of("stages.0.lr=0.0001", "model.attention.config.select_count=2",
                "seed=0"), first.overrides());
        assertEquals(Long.valueOf(0), first.seed());
        // Seeds vary fastest, then the last key, then the first.
        assertEquals("01-lr=0.0001_select_count=2_seed=1", trials.get(1).name());
        assertEquals("02-lr=0.0001_select_count=4_seed=0", trials.get(2).name());
        assertEquals("11-lr=0.0003_select_count=8_seed=1", trials.get(11).name());
        assertEquals(Map.of("stages.0.lr", "0.0003", "model.attention.config.select_count", "8"),
                trials.get(11).parameters());
        for (int i = 0; i < trials.size(); i++) {
            assertEquals(i, trials.get(i).number());
        }
    }

    @Test
    void mappingValuesAreNamedByTheirIdOrLabelAndWrittenAsOneOverride() {
        Map<String, Object> nsa = new LinkedHashMap<>();
        nsa.put("id", "nsa");
        nsa.put("config", Map.of("select_count", 4));
        Map<String, Object> labelled = new LinkedHashMap<>();
        labelled.put("name", "nsa-2");
        labelled.put("value", Map.of("id", "nsa", "config", Map.of("select_count", 2)));
        Map<String, SweepParameter> p = Map.of("model.attention", new SweepParameter.Choices(
                List.of(nsa, Map.of("id", "full"), labelled)));
        List<Trial> trials = TrialExpander.expand(grid(p, List.of()));
        assertEquals(List.of("0-attention=nsa", "1-attention=full", "2-attention=nsa-2"),
                trials.stream().map(Trial::name).toList());
        assertEquals(List.of("model.attention={\"id\":\"nsa\",\"config\":{\"select_count\":4}}"),
                trials.get(0).overrides());
        assertEquals(List.of("model.attention={\"id\":\"full\"}"), trials.get(1).overrides());
        assertTrue(trials.get(2).overrides().get(0).contains("\"select_count\":2"),
                trials.get(2).overrides()::toString);
        assertEquals(null, trials.get(0).seed());
    }

    @Test
    void repeatedLabelsAreToldApartByPosition() {
        Map<String, SweepParameter> p = Map.of("model.attention", new SweepParameter.Choices(
                List.of(Map.of("id", "nsa"), Map.of("id", "nsa", "config", Map.of()))));
        assertEquals(List.of("0-attention=nsa", "1-attention=nsa-1"), TrialExpander.expand(
                grid(p, List.of())).stream().map(Trial::name).toList());
    }

    @Test
    void seedsAloneRunTheRecipeOncePerSeed() {
        List<Trial> trials = TrialExpander.expand(grid(Map.of(), List.of(5L, 6L)));
        assertEquals(List.of("0-seed=5", "1-seed=6"), trials.stream().map(Trial::name).toList());
        assertEquals(List.of("seed=6"), trials.get(1).overrides());
    }

    @Test
    void randomDrawsAreReproducibleCappedAndDistinct() {
        Map<String, SweepParameter> p = new LinkedHashMap<>();
        p.put("stages.0.lr", new SweepParameter.LogUniform(1e-5, 1e-2));
        p.put("stages.0.batch", new SweepParameter.Range(8, 64, true));
        p.put("stages.0.weight_decay", new SweepParameter.Range(0.0, 0.1, false));
        List<Trial> a = TrialExpander.expand(random(p, 5, 42));
        List<Trial> b = TrialExpander.expand(random(p, 5, 42));
        List<Trial> other = TrialExpander.expand(random(p, 5, 43));
        assertEquals(5, a.size());
        assertEquals(a, b);
        assertNotEquals(a, other);
        assertEquals(5, a.stream().map(Trial::configuration).distinct().count());
        for (Trial t : a) {
            double lr = Double.parseDouble(t.parameters().get("stages.0.lr"));
            long batch = Long.parseLong(t.parameters().get("stages.0.batch"));
            double decay = Double.parseDouble(t.parameters().get("stages.0.weight_decay"));
            assertTrue(lr >= 1e-5 && lr <= 1e-2, t::toString);
            assertTrue(batch >= 8 && batch <= 64, t::toString);
            assertTrue(decay >= 0 && decay <= 0.1, t::toString);
        }
    }

    @Test
    void randomOverListsStopsAtTheNumberOfDistinctConfigurations() {
        Map<String, SweepParameter> p = new LinkedHashMap<>();
        p.put("a", new SweepParameter.Choices(List.of(1, 2)));
        p.put("b", new SweepParameter.Choices(List.of("x", "y")));
        List<Trial> trials = TrialExpander.expand(random(p, 10, 7));
        assertEquals(4, trials.size());
        assertEquals(4, trials.stream().map(Trial::configuration).distinct().count());
    }

    @Test
    void shortKeysGrowUntilTheyAreUnique() {
        assertEquals(Map.of("stages.0.lr", "0.lr", "stages.1.lr", "1.lr", "seed", "seed"),
                TrialExpander.shortKeys(List.of("stages.0.lr", "stages.1.lr", "seed")));
    }
}
