package org.sparsa.runner.internal.doctor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.ObjectName;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;
import org.sparsa.core.compute.BackendChoice;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.Calibration;
import org.sparsa.core.compute.OpenClInventory;
import org.sparsa.core.compute.OpenClProbe;
import org.sparsa.runner.internal.plugins.BundleStates;

/** Examines the machine and the running framework for {@code sparsa doctor}. */
public final class Doctor {
    private final BundleContext context;

    public Doctor(BundleContext context) {
        this.context = context;
    }

    /** Looks at everything once and says what is wrong. */
    public DoctorReport examine() {
        List<String> problems = new ArrayList<>();
        OpenClInventory opencl = OpenClProbe.probe();
        BackendChoice auto = BackendChoice.auto(opencl);
        // A calibration of this machine overrides the rule, op family by op family.
        Optional<Calibration> calibration = Backends.calibration(opencl);
        String autoBackend = calibration.map(c -> c.choices().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")))
                .orElse(auto.backend().name().toLowerCase(Locale.ROOT));
        String autoReason = calibration.map(c -> "measured " + c.measured() + ", "
                + Calibration.defaultFile()).orElse(auto.reason());
        List<DoctorReport.BundleStatus> bundles = bundles(problems);
        List<DoctorReport.ComponentStatus> components = components(problems);
        Runtime runtime = Runtime.getRuntime();
        return new DoctorReport(
                System.getProperty("java.vendor") + " " + Runtime.version()
                        + " (" + System.getProperty("java.home") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                runtime.availableProcessors(), runtime.maxMemory(), physicalMemory(),
                opencl.devices(), opencl.problem().orElse(null),
                autoBackend, autoReason,
                bundles, components, problems);
    }

    private List<DoctorReport.BundleStatus> bundles(List<String> problems) {
        List<DoctorReport.BundleStatus> out = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String problem = bundleProblem(bundle);
            if (problem != null) {
                problems.add("bundle " + bundle.getSymbolicName() + " " + bundle.getVersion()
                        + ": " + problem);
            }
            out.add(new DoctorReport.BundleStatus(bundle.getBundleId(), bundle.getSymbolicName(),
                    bundle.getVersion().toString(), BundleStates.name(bundle.getState()),
                    problem));
        }
        return out;
    }

    /** Null when the bundle is as it should be, else why not, naming a missing requirement. */
    private static String bundleProblem(Bundle bundle) {
        boolean fragment = bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
        int state = bundle.getState();
        if (state == Bundle.ACTIVE || (fragment && state == Bundle.RESOLVED)) {
            return null;
        }
        if (state == Bundle.INSTALLED && !fragment) {
            try {
                // Starting is the only way the framework tells which requirement is missing.
                bundle.start(Bundle.START_TRANSIENT);
                return null;
            } catch (BundleException e) {
                return e.getMessage();
            }
        }
        return "is " + BundleStates.name(state) + ", expected ACTIVE";
    }

    private List<DoctorReport.ComponentStatus> components(List<String> problems) {
        List<DoctorReport.ComponentStatus> out = new ArrayList<>();
        ServiceReference<ServiceComponentRuntime> reference =
                context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = reference == null ? null : context.getService(reference);
        if (scr == null) {
            problems.add("Declarative Services runtime (Felix SCR) is not running: "
                    + "no plugin component can start");
            return out;
        }
        try {
            for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
                String bundle = context.getBundle(description.bundle.id).getSymbolicName();
                if (!scr.isComponentEnabled(description)) {
                    out.add(new DoctorReport.ComponentStatus(bundle, description.name,
                            "DISABLED", null));
                    continue;
                }
                var configurations = scr.getComponentConfigurationDTOs(description);
                if (configurations.isEmpty()) {
                    String problem = "waits for a configuration (policy "
                            + description.configurationPolicy + ")";
                    problems.add("component " + description.name + ": " + problem);
                    out.add(new DoctorReport.ComponentStatus(bundle, description.name,
                            "UNSATISFIED_CONFIGURATION", problem));
                }
                for (ComponentConfigurationDTO configuration : configurations) {
                    String problem = configurationProblem(configuration);
                    if (problem != null) {
                        problems.add("component " + description.name + ": " + problem);
                    }
                    out.add(new DoctorReport.ComponentStatus(bundle, description.name,
                            stateName(configuration.state), problem));
                }
            }
        } finally {
            context.ungetService(reference);
        }
        return out;
    }

    private static String configurationProblem(ComponentConfigurationDTO configuration) {
        return switch (configuration.state) {
            case ComponentConfigurationDTO.SATISFIED, ComponentConfigurationDTO.ACTIVE -> null;
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> {
                List<String> missing = new ArrayList<>();
                for (UnsatisfiedReferenceDTO reference : configuration.unsatisfiedReferences) {
                    missing.add(reference.name + (reference.target == null ? ""
                            : " " + reference.target));
                }
                yield "unsatisfied reference " + String.join(", ", missing);
            }
            case ComponentConfigurationDTO.FAILED_ACTIVATION ->
                    "failed to activate: " + configuration.failure;
            default -> "is " + stateName(configuration.state);
        };
    }

    private static String stateName(int state) {
        return switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.SATISFIED -> "SATISFIED";
            case ComponentConfigurationDTO.ACTIVE -> "ACTIVE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "FAILED_ACTIVATION";
            default -> "UNKNOWN(" + state + ")";
        };
    }

    private static long physicalMemory() {
        // Read as an MBean attribute: importing com.sun.management would tie the bundle to a
        // JDK-internal package the framework does not export.
        try {
            Object total = ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName("java.lang:type=OperatingSystem"), "TotalMemorySize");
            return total instanceof Long bytes ? bytes : -1;
        } catch (JMException | RuntimeException e) {
            return -1;
        }
    }
}
