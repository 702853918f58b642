package org.sparsa.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.internal.opencl.OpenClBackend;
import org.sparsa.core.model.internal.LlamaGoldenOp;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;

/**
 * The {@code model.llama} golden case: logits, the next-token loss and the gradient of every
 * parameter, on both backends. The OpenCL run is skipped without an OpenCL device, except
 * under {@code CI=true}.
 */
class LlamaGoldenTest {

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"JAVA", "OPENCL"})
    void theGoldenOpMatches(BackendKind backend, @TempDir Path folder) throws Exception {
        if (backend == BackendKind.OPENCL) {
            requireOpenCl();
        }
        GoldenCase goldenCase = GoldenFiles.read("llama-tiny.safetensors", folder);
        assertEquals("model.llama", goldenCase.op());
        LlamaGoldenOp op = new LlamaGoldenOp();
        assertTrue(op.backends().contains(backend));
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                op.compute(goldenCase, backend));
        // logits, loss and the 21 parameters' gradients
        assertEquals(23, checks.size());
        assertTrue(GoldenComparison.allPassed(checks),
                () -> GoldenReport.format(goldenCase, backend.name().toLowerCase(), checks));
    }

    static void requireOpenCl() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(OpenClBackend.isAvailable(),
                    "CI=true but no OpenCL device: the OpenCL backend must be exercised in CI");
        } else {
            assumeTrue(OpenClBackend.isAvailable(), "no OpenCL device");
        }
    }
}
