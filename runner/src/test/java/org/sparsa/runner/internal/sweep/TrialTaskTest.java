package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What travels between the coordinator and a member survives Java serialisation whole. */
class TrialTaskTest {
    private static final String RECIPE = "name: tiny\nseed: 3\n";

    @Test
    void taskCarriesTheTrialTheRecipeTextAndTheOverrides() throws Exception {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("stages.0.lr", "0.003");
        parameters.put("model.attention", "dsa");
        Trial trial = new Trial(4, "4-lr=0.003_seed=1", "lr=0.003,attention=dsa", parameters, 1L,
                List.of("stages.0.lr=0.003", "seed=1"));
        TrialTask task = new TrialTask(trial, "tiny.yaml", RECIPE, List.of("backend=java"));

        TrialTask copy = roundTrip(task);

        assertEquals(trial, copy.trial());
        assertEquals(List.of("stages.0.lr", "model.attention"),
                List.copyOf(copy.trial().parameters().keySet()));
        assertEquals("tiny.yaml", copy.recipeFileName());
        assertEquals(RECIPE, copy.recipeText());
        assertEquals(List.of("backend=java"), copy.sweepOverrides());
    }

    @Test
    void outcomeCarriesTheFolderBytes() throws Exception {
        TrialOutcome outcome = new TrialOutcome(2, 0, "127.0.0.1:5702", new byte[] {1, 2, 3},
                null);
        TrialOutcome copy = roundTrip(outcome);
        assertEquals(2, copy.number());
        assertEquals(0, copy.exit());
        assertEquals("127.0.0.1:5702", copy.member());
        assertArrayEquals(new byte[] {1, 2, 3}, copy.folder());
        assertNull(copy.error());
        assertEquals(true, copy.succeeded());
        assertEquals(false, new TrialOutcome(2, 0, "m", new byte[0], "cannot start")
                .succeeded());
        assertEquals(false, new TrialOutcome(2, 1, "m", new byte[0], null).succeeded());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(
                bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
