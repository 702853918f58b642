package org.sparsa.core.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsa.api.compute.BackendKind;

class BackendsTest {

    @Test
    void javaIsAlwaysThere() {
        try (Backend backend = Backends.open(BackendKind.JAVA)) {
            assertEquals(BackendKind.JAVA, backend.kind());
            assertTrue(backend.description().startsWith("java"), backend.description());
        }
    }

    @Test
    void autoOpensWhatTheChoiceNames() {
        BackendKind expected = BackendChoice.auto(OpenClProbe.probe()).backend();
        try (Backend backend = Backends.open(BackendKind.AUTO)) {
            assertEquals(expected, backend.kind());
        }
    }
}
