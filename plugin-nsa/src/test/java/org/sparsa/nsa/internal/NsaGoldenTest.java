package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.verify.TensorCheck;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.TestBackends;

/** The {@code attention.nsa} golden case, reproduced by {@link NsaGoldenOp} on each backend. */
class NsaGoldenTest {

    @Test
    void offersTheBackendsTheTestsRunOn() {
        assertEquals(new java.util.HashSet<>(TestBackends.kinds()),
                new NsaGoldenOp().backends());
    }

    @Test
    void theReferencePassesNsaSmallOnEveryBackend(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/nsa-small.safetensors", folder);
        for (BackendKind backend : TestBackends.kinds()) {
            List<TensorCheck> checks = GoldenCases.assertPasses(file, "attention.nsa",
                    new NsaGoldenOp(NsaReference::forward), backend);
            if (Boolean.getBoolean("nsa.golden.report")) {
                checks.forEach(c -> System.out.println(backend.name().toLowerCase(Locale.ROOT)
                        + " " + c));
            }
        }
    }
}
