package org.sparsa.grpo.internal;

import java.util.EnumSet;
import java.util.Set;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.opencl.Launcher;

/** The backends the policy golden ops run on: those the autograd op set runs on. */
final class GoldenBackends {

    private GoldenBackends() {
    }

    /** Java always; OpenCL too when a device is present. */
    static Set<BackendKind> available() {
        return Launcher.firstDevice().isPresent()
                ? EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL)
                : EnumSet.of(BackendKind.JAVA);
    }
}
