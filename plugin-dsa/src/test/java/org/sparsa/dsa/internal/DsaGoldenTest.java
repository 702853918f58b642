package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.TestBackends;

/**
 * The three DSA golden cases, reproduced by their ops on each backend; the attention case both
 * through the fused path the layer trains with and through {@link DsaReference}.
 */
class DsaGoldenTest {

    @Test
    void offersTheBackendsTheTestsRunOn() {
        for (GoldenOp op : new GoldenOp[] {new DsaGoldenOp(), new DsaKlDenseGoldenOp(),
            new DsaKlSparseGoldenOp()}) {
            assertEquals(new HashSet<>(TestBackends.kinds()), op.backends());
        }
    }

    @Test
    void attentionOnEveryBackend(@TempDir Path folder) throws Exception {
        passes(folder, "dsa-small", "attention.dsa", new DsaGoldenOp());
    }

    @Test
    void attentionThroughTheReferenceOnEveryBackend(@TempDir Path folder) throws Exception {
        passes(folder, "dsa-small", "attention.dsa", new DsaGoldenOp(DsaReference::forward));
    }

    @Test
    void denseLossOnEveryBackend(@TempDir Path folder) throws Exception {
        passes(folder, "dsa-small-kl-dense", "dsa.kl_dense", new DsaKlDenseGoldenOp());
    }

    @Test
    void sparseLossOnEveryBackend(@TempDir Path folder) throws Exception {
        passes(folder, "dsa-small-kl-sparse", "dsa.kl_sparse", new DsaKlSparseGoldenOp());
    }

    private void passes(Path folder, String name, String op, GoldenOp golden) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/" + name + ".safetensors",
                folder);
        for (BackendKind backend : TestBackends.kinds()) {
            GoldenCases.assertPasses(file, op, golden, backend);
        }
    }
}
