package org.sparsa.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.AdamWState;
import org.sparsa.core.train.LearningRateSchedule;
import org.sparsa.core.train.TrainStep;

class ResumeTest {
    private static final int STEPS = 8;
    private static final int MICRO_BATCHES = 2;
    private static final long SEED = 2024;

    @TempDir
    Path run;

    /** A run's moving parts: model, optimiser, data stream and data position. */
    private static final class Trainer {
        final ToyModel model;
        final AdamW adam;
        final TrainStep step;
        SplitMix64 data;
        long position;

        Trainer(long seed) {
            model = new ToyModel(seed);
            adam = new AdamW(model.store, AdamWOptions.of(0.05).withWeightDecay(0.01),
                    name -> !name.endsWith("norm.weight"));
            step = new TrainStep(adam, LearningRateSchedule.warmupCosine(0.05, 2, STEPS, 0.005),
                    1.0);
            data = SplitMix64.forPurpose(seed, "data");
        }

        void train(int steps) {
            for (int i = 0; i < steps; i++) {
                step.run(MICRO_BATCHES, k -> model.loss(data));
                position += (long) MICRO_BATCHES * ToyModel.BATCH;
            }
        }

        TrainerState state() {
            return new TrainerState(adam.steps(), position, Map.of("data", data.state()),
                    Map.of("stage", "pretrain"));
        }
    }

    @Test
    void resumingFromACheckpointEqualsTrainingStraightThroughBitForBit() throws IOException {
        Trainer straight = new Trainer(SEED);
        straight.train(STEPS);

        Trainer first = new Trainer(SEED);
        first.train(STEPS / 2);
        Checkpoints checkpoints = new Checkpoints(run);
        checkpoints.save(first.model.store, ToyModel.CONFIG, first.adam, first.state());

        // A different seed: every value must come from the checkpoint, not from initialisation.
        Trainer resumed = new Trainer(SEED + 1);
        assertNotEquals(straight.model.store.get("lm_head.weight").value().toArray()[0],
                resumed.model.store.get("lm_head.weight").value().toArray()[0]);
        TrainerState state = checkpoints.loadLatest(resumed.model.store, resumed.adam)
                .orElseThrow();
        resumed.data = SplitMix64.ofState(state.rngStates().get("data"));
        resumed.position = state.dataPosition();
        assertEquals(STEPS / 2, state.step());
        assertEquals("pretrain", state.extra().get("stage"));
        resumed.train(STEPS - STEPS / 2);

        for (String name : straight.model.store.names()) {
            assertArrayEquals(bits(straight.model.store.get(name).value().toArray()),
                    bits(resumed.model.store.get(name).value().toArray()), name);
        }
        AdamWState expected = straight.adam.state();
        AdamWState actual = resumed.adam.state();
        assertEquals(expected.steps(), actual.steps());
        assertEquals(expected.parameters().keySet(), actual.parameters().keySet());
        for (String name : expected.parameters().keySet()) {
            assertArrayEquals(bits(expected.parameters().get(name).expAvg()),
                    bits(actual.parameters().get(name).expAvg()), name);
            assertArrayEquals(bits(expected.parameters().get(name).expAvgSq()),
                    bits(actual.parameters().get(name).expAvgSq()), name);
            assertEquals(expected.parameters().get(name).steps(),
                    actual.parameters().get(name).steps());
        }
        assertEquals(straight.data.state(), resumed.data.state());
        assertEquals(straight.position, resumed.position);
        assertTrue(straight.position > 0);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
