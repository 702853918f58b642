package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.internal.opencl.OpenClBackend;

/**
 * The backends the gradient tests run on, each as an {@code Ops}: Java always, OpenCL when a
 * device is present. Under {@code CI=true}, where PoCL is installed, a missing OpenCL device
 * fails instead of quietly testing Java alone.
 */
final class TestBackends {
    private static List<Autograd> opened;

    private TestBackends() {
    }

    static synchronized Stream<Arguments> all() {
        if (opened == null) {
            opened = new ArrayList<>();
            opened.add(new Autograd(Backends.open(BackendKind.JAVA)));
            boolean openCl = OpenClBackend.isAvailable();
            if ("true".equals(System.getenv("CI"))) {
                assertTrue(openCl, "CI=true but no OpenCL device: every op must be checked on it");
            }
            if (openCl) {
                // One device backend for the whole test JVM: its kernels build once.
                opened.add(new Autograd(Backends.open(BackendKind.OPENCL)));
            }
        }
        return opened.stream().map(ops -> Arguments.of(
                Named.of(ops.backend().name().toLowerCase(), ops)));
    }

    /** Runs a test method once per backend, passing the {@code Ops}. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparsa.testkit.TestBackends#all")
    @interface Each {
    }
}
