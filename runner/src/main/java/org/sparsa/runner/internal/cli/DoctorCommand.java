package org.sparsa.runner.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.sparsa.api.compute.DeviceInfo;
import org.sparsa.runner.internal.doctor.Doctor;
import org.sparsa.runner.internal.doctor.DoctorReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparsa doctor}: the machine, OpenCL, the backend choice and the framework's health. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check Java, the OS, cores, memory, OpenCL devices, the backend 'auto' "
                + "would pick, and every bundle and component. Exits 1 when something is wrong.")
public final class DoctorCommand implements Callable<Integer> {
    private static final long MIB = 1024 * 1024;

    private final BundleContext context;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    public DoctorCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        DoctorReport report = new Doctor(context).examine();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            print(report, out);
        }
        return report.healthy() ? 0 : 1;
    }

    private static void print(DoctorReport r, PrintWriter out) {
        out.println("Java      " + r.java());
        out.println("OS        " + r.os());
        out.println("Cores     " + r.cores());
        out.println("Memory    " + (r.physicalMemoryBytes() < 0 ? "unknown"
                : r.physicalMemoryBytes() / MIB + " MiB") + " physical, "
                + r.maxHeapBytes() / MIB + " MiB max heap");
        out.println();
        out.println("OpenCL devices");
        if (r.openclDevices().isEmpty()) {
            out.println("  none: " + r.openclProblem());
        } else {
            TextTable devices = new TextTable("  PLATFORM", "DEVICE", "TYPE", "MEMORY", "UNITS");
            for (DeviceInfo d : r.openclDevices()) {
                devices.row("  " + d.platform(), d.name(), d.type(),
                        d.globalMemoryBytes() / MIB + " MiB", String.valueOf(d.computeUnits()));
            }
            devices.print(out);
        }
        out.println("Backend   auto -> " + r.autoBackend() + " (" + r.autoReason() + ")");
        out.println();
        out.println("Bundles");
        TextTable bundles = new TextTable("  ID", "BUNDLE", "VERSION", "STATE");
        r.bundles().forEach(b -> bundles.row("  " + b.id(), b.symbolicName(), b.version(),
                b.state()));
        bundles.print(out);
        out.println();
        out.println("Components");
        TextTable components = new TextTable("  BUNDLE", "COMPONENT", "STATE");
        r.components().forEach(c -> components.row("  " + c.bundle(), c.name(), c.state()));
        components.print(out);
        out.println();
        if (r.healthy()) {
            out.println("No problems found.");
        } else {
            out.println("Problems");
            r.problems().forEach(p -> out.println("  - " + p));
        }
    }
}
