package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * The backends the reference's tests run on: Java always, OpenCL when a device is present.
 * Under {@code CI=true}, where an OpenCL runtime is installed, a missing device fails rather
 * than quietly testing Java alone.
 */
final class DsaReferenceBackends {
    private static List<Autograd> opened;

    private DsaReferenceBackends() {
    }

    /** The backend kinds to run on, checking the CI rule. */
    static List<BackendKind> kinds() {
        boolean openCl = OpenClBackend.isAvailable();
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(openCl, "CI=true but no OpenCL device: DSA must be checked on it");
        }
        return openCl ? List.of(BackendKind.JAVA, BackendKind.OPENCL) : List.of(BackendKind.JAVA);
    }

    /** One op set per backend, opened once for the test JVM so device kernels build once. */
    static synchronized Stream<Arguments> all() {
        if (opened == null) {
            opened = new ArrayList<>();
            for (BackendKind kind : kinds()) {
                opened.add(new Autograd(Backends.open(kind)));
            }
        }
        return opened.stream().map(ops -> Arguments.of(
                Named.of(ops.backend().name().toLowerCase(Locale.ROOT), ops)));
    }

    /** Runs a test method once per backend, passing its {@code Ops}. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparsa.dsa.internal.DsaReferenceBackends#all")
    @interface Each {
    }
}
