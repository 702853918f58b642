package org.sparsa.runner.internal.doctor;

import java.util.List;
import org.sparsa.api.compute.DeviceInfo;

/**
 * Everything {@code sparsa doctor} found, in the shape it prints as JSON.
 *
 * @param java the running JVM
 * @param os the operating system
 * @param cores processors available to the JVM
 * @param maxHeapBytes the JVM's heap limit
 * @param physicalMemoryBytes the machine's memory, or -1 when the JVM cannot tell
 * @param openclDevices every OpenCL device Aparapi sees
 * @param openclProblem why OpenCL could not be listed, or null
 * @param autoBackend the backend {@code auto} picks ({@code java} or {@code opencl}), or with
 *     a calibration of this machine each op family's ({@code matmul java, attention opencl, …})
 * @param autoReason why it picks that one
 * @param bundles every installed bundle
 * @param components every Declarative Services component
 * @param problems what is wrong, one line each; empty when all is well
 */
public record DoctorReport(String java, String os, int cores, long maxHeapBytes,
        long physicalMemoryBytes, List<DeviceInfo> openclDevices, String openclProblem,
        String autoBackend, String autoReason, List<BundleStatus> bundles,
        List<ComponentStatus> components, List<String> problems) {

    /** One installed bundle. */
    public record BundleStatus(long id, String symbolicName, String version, String state,
            String problem) {
    }

    /** One Declarative Services component and its state. */
    public record ComponentStatus(String bundle, String name, String state, String problem) {
    }

    /** Whether nothing is wrong. */
    public boolean healthy() {
        return problems.isEmpty();
    }
}
