package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;

/**
 * Runs golden cases in a plugin's tests, exactly as {@code sparsa verify} does:
 *
 * <pre>{@code
 * @Test
 * void nsaSmall(@TempDir Path folder) throws Exception {
 *     Path file = GoldenCases.copyResource(getClass(), "/golden/nsa-small.safetensors", folder);
 *     GoldenCases.assertPasses(file, "attention.nsa", new NsaGoldenOp(), BackendKind.JAVA);
 * }
 * }</pre>
 */
public final class GoldenCases {

    private GoldenCases() {
    }

    /**
     * Copies class-path resource {@code resource} (next to {@code anchor}) into {@code folder},
     * since cases are read from files.
     *
     * @throws IllegalArgumentException when the resource does not exist
     */
    public static Path copyResource(Class<?> anchor, String resource, Path folder) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no class-path resource " + resource
                        + " next to " + anchor.getName());
            }
            Path file = folder.resolve(Path.of(resource).getFileName().toString());
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + resource, e);
        }
    }

    /**
     * Asserts that {@code op} reproduces every output and gradient of the case in {@code file}
     * within its tolerance on {@code backend}; the failure message is the full report.
     *
     * @param expectedOp the op name the case must carry, so a test cannot check the wrong file
     * @return the checks, for tests that want to look further
     */
    public static List<TensorCheck> assertPasses(Path file, String expectedOp, GoldenOp op,
            BackendKind backend) throws IOException {
        GoldenCase goldenCase = GoldenCase.read(file);
        assertTrue(expectedOp.equals(goldenCase.op()), () -> file.getFileName() + " checks op '"
                + goldenCase.op() + "', not '" + expectedOp + "'");
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                op.compute(goldenCase, backend));
        assertFalse(checks.isEmpty(), () -> file.getFileName() + " expects no out.* or grad.*");
        assertTrue(GoldenComparison.allPassed(checks), () -> GoldenReport.format(goldenCase,
                backend.name().toLowerCase(Locale.ROOT), checks));
        return checks;
    }
}
