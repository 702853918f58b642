package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.opencl.Launcher;

/**
 * The backends a plugin's tests run on: Java always, OpenCL when a device is present. Under
 * {@code CI=true}, where the CI installs an OpenCL runtime, a missing device fails the test
 * rather than quietly checking Java alone. {@link EachBackend} runs a test method once per
 * backend.
 */
public final class TestBackends {
    private static List<Autograd> opened;

    private TestBackends() {
    }

    /** The backend kinds to run on, checking the CI rule. */
    public static List<BackendKind> kinds() {
        boolean openCl = Launcher.firstDevice().isPresent();
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(openCl, "CI=true but no OpenCL device: the OpenCL path must be checked "
                    + "on it (" + Launcher.unavailableReason() + ")");
        }
        return openCl ? List.of(BackendKind.JAVA, BackendKind.OPENCL) : List.of(BackendKind.JAVA);
    }

    /**
     * The CI rule for a test class that needs a plugin's own OpenCL kernels: under
     * {@code CI=true} a missing device fails the test; elsewhere the test is skipped.
     *
     * @param available whether the kernels can run here (the plugin's own check, which may
     *     ask more of the device than {@link #kinds} does, such as double precision)
     * @param what what must be checked on the device, for the message
     */
    public static void requireOpenCl(boolean available, String what) {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(available, "CI=true but no OpenCL device: " + what
                    + " must be checked on it (" + Launcher.unavailableReason() + ")");
        } else {
            assumeTrue(available, "no OpenCL device");
        }
    }

    /**
     * One op set per backend, named by the backend, opened once per test JVM so that device
     * kernels build once: the source of {@link EachBackend}.
     */
    public static synchronized Stream<Arguments> all() {
        return opened().stream().map(ops -> Arguments.of(
                Named.of(ops.backend().name().toLowerCase(Locale.ROOT), ops)));
    }

    /**
     * The op sets of {@link #all()}, Java first: for tests that compare backends with each
     * other rather than run once per backend.
     */
    public static synchronized List<Autograd> opened() {
        if (opened == null) {
            List<Autograd> each = new ArrayList<>();
            for (BackendKind kind : kinds()) {
                each.add(new Autograd(Backends.open(kind)));
            }
            opened = List.copyOf(each);
        }
        return opened;
    }
}
