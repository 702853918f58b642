package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.TestBackends;

/** Every policy golden case, reproduced by its op on each backend as {@code sparsa verify} does. */
class PolicyGoldenTest {

    @Test
    void offersTheBackendsTheTestsRunOn() {
        for (GoldenOp op : new GoldenOp[] {new PolicyLossGoldenOp(),
            new MaskedLogProbsGoldenOp()}) {
            assertEquals(new HashSet<>(TestBackends.kinds()), op.backends());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"policy-grpo", "policy-dr-grpo", "policy-dapo", "policy-gspo",
        "policy-v32"})
    void policyLossOnEveryBackend(String name, @TempDir Path folder) throws Exception {
        passes(folder, name, "policy.loss", new PolicyLossGoldenOp());
    }

    @Test
    void keepSamplingMaskOnEveryBackend(@TempDir Path folder) throws Exception {
        passes(folder, "keep-sampling-mask", "policy.masked_logprobs",
                new MaskedLogProbsGoldenOp());
    }

    private void passes(Path folder, String name, String op, GoldenOp golden) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/" + name + ".safetensors",
                folder);
        for (BackendKind backend : TestBackends.kinds()) {
            GoldenCases.assertPasses(file, op, golden, backend);
        }
    }
}
