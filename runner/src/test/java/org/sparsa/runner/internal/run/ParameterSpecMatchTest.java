package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparsa.api.parameter.ParameterSpec;

class ParameterSpecMatchTest {
    private static final ParameterSpec GATE = new ParameterSpec("gate.weight", List.of(4),
            "ones", 0);
    private static final ParameterSpec PROJ = new ParameterSpec("indexer.wq.weight",
            List.of(2, 8), "normal", 0.02);

    @Test
    void sameNamesAndShapesMatchWhateverTheOrderAndInitialisation() {
        assertEquals(Optional.empty(), ParameterSpecMatch.mismatch(List.of(GATE, PROJ),
                List.of(new ParameterSpec("indexer.wq.weight", List.of(2, 8), "zeros", 0),
                        GATE)));
        assertEquals(Optional.empty(), ParameterSpecMatch.mismatch(List.of(), List.of()));
    }

    @Test
    void everyDifferenceIsNamedWithTheExpectedAndTheOfferedShape() {
        assertEquals(Optional.of("parameter 'gate.weight' has shape [8], expected [4]"),
                ParameterSpecMatch.mismatch(List.of(GATE),
                        List.of(new ParameterSpec("gate.weight", List.of(8), "ones", 0))));
        assertEquals(Optional.of("parameter 'indexer.wq.weight' [2, 8] is missing; "
                + "parameter 'bias' [4] is new (the run has no values for it)"),
                ParameterSpecMatch.mismatch(List.of(GATE, PROJ), List.of(GATE,
                        new ParameterSpec("bias", List.of(4), "zeros", 0))));
        assertEquals(Optional.of("parameter 'gate.weight' is declared twice"),
                ParameterSpecMatch.mismatch(List.of(GATE), List.of(GATE, GATE)));
    }
}
