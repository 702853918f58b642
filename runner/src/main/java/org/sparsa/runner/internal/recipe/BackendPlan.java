package org.sparsa.runner.internal.recipe;

import java.util.Locale;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.compute.DeviceInfo;
import org.sparsa.core.compute.BackendChoice;
import org.sparsa.core.compute.OpenClInventory;
import org.sparsa.core.compute.OpenClProbe;

/**
 * The backend a recipe's {@code backend} resolves to on this machine and the device it names,
 * found by probing OpenCL without opening a backend, for the run's provenance.
 *
 * @param resolved {@code java} or {@code opencl}
 * @param device the device in words
 */
public record BackendPlan(String resolved, String device) {

    /** Probes this machine for {@code requested}. */
    public static BackendPlan probe(BackendKind requested) {
        OpenClInventory inventory = OpenClProbe.probe();
        BackendKind kind = requested;
        String why = "";
        if (requested == BackendKind.AUTO) {
            BackendChoice choice = BackendChoice.auto(inventory);
            kind = choice.backend();
            why = " (auto: " + choice.reason() + ")";
        }
        String device;
        if (kind == BackendKind.OPENCL) {
            device = inventory.firstGpu().or(() -> inventory.devices().stream().findFirst())
                    .map(BackendPlan::describe)
                    .orElse("no OpenCL device: " + inventory.problem().orElse("none found"));
        } else {
            device = "host CPU, " + Runtime.getRuntime().availableProcessors() + " threads";
        }
        return new BackendPlan(kind.name().toLowerCase(Locale.ROOT), device + why);
    }

    private static String describe(DeviceInfo d) {
        return d.type() + " " + d.name() + " on " + d.platform() + ", "
                + d.globalMemoryBytes() / (1 << 20) + " MiB, " + d.computeUnits()
                + " compute units";
    }
}
