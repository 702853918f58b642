package org.sparsa.core.compute;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.compute.DeviceInfo;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * Times of each op family on each backend, measured once on one machine ({@code sparsa bench
 * --calibrate}) and kept in {@link #defaultFile()}, from which {@code auto} picks the faster
 * backend per op family instead of guessing ({@link Backends#open}). The file holds one
 * machine: a calibration whose {@link #machine} is not this machine's {@link #machineKey} is
 * ignored, so a home folder shared between machines never carries one machine's choice to
 * another.
 *
 * @param machine the {@link #machineKey} of the machine measured
 * @param measured when, ISO-8601 UTC
 * @param seconds per op family ({@link #MATMUL}, {@link #ATTENTION}, {@link #ELEMENTWISE}), the
 *     time on each backend measured ({@code java}, {@code opencl}); a backend that could not
 *     be opened has no entry
 */
public record Calibration(@JsonProperty("machine") String machine,
        @JsonProperty("measured") String measured,
        @JsonProperty("seconds") Map<String, Map<String, Double>> seconds) {
    /** Matrix products ({@link Backend#matmul}). */
    public static final String MATMUL = "matmul";
    /** Fused attention, whose kernels follow the backend's {@link Backend#kind()}. */
    public static final String ATTENTION = "attention";
    /** Every other op: element-wise maps, reductions, softmax, norms, gathers. */
    public static final String ELEMENTWISE = "elementwise";
    /** The op families, in the order they are measured and reported. */
    public static final List<String> OPS = List.of(MATMUL, ATTENTION, ELEMENTWISE);
    /** The system property that names another file than {@code ~/.sparsa/calibration.json}. */
    public static final String FILE_PROPERTY = "sparsa.calibration";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    public Calibration {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(measured, "measured");
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        Objects.requireNonNull(seconds, "seconds").forEach((op, times) -> copy.put(op,
                Collections.unmodifiableMap(new LinkedHashMap<>(times))));
        seconds = Collections.unmodifiableMap(copy);
    }

    /**
     * The backend with the least time for {@code op}; {@code JAVA} when {@code op} has no
     * time on any backend, since Java is always there.
     */
    public BackendKind choice(String op) {
        return seconds.getOrDefault(op, Map.of()).entrySet().stream()
                .filter(e -> e.getValue() != null && e.getValue() > 0)
                .min(Map.Entry.comparingByValue())
                .map(e -> BackendKind.valueOf(e.getKey().toUpperCase(Locale.ROOT)))
                .orElse(BackendKind.JAVA);
    }

    /** Each op family's choice, in {@link #OPS} order. */
    public Map<String, BackendKind> choices() {
        Map<String, BackendKind> choices = new LinkedHashMap<>();
        for (String op : OPS) {
            choices.put(op, choice(op));
        }
        return choices;
    }

    /**
     * What tells this machine's calibration from another's: the processor architecture and
     * count, the Java feature version and the OpenCL device the {@code opencl} backend would
     * use (the first GPU, else the first device), with its platform.
     */
    public static String machineKey(OpenClInventory inventory) {
        Optional<DeviceInfo> device = inventory.firstGpu()
                .or(() -> inventory.devices().stream().findFirst());
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors()
                + " processors, Java " + Runtime.version().feature() + ", OpenCL: "
                + device.map(d -> d.name() + " (" + d.platform() + ")").orElse("none");
    }

    /**
     * Where calibrations are kept: the file the system property {@value #FILE_PROPERTY} names,
     * else {@code .sparsa/calibration.json} in the user's home folder.
     */
    public static Path defaultFile() {
        String property = System.getProperty(FILE_PROPERTY);
        return property != null && !property.isBlank() ? Path.of(property)
                : Path.of(System.getProperty("user.home"), ".sparsa", "calibration.json");
    }

    /**
     * The calibration in {@code file}; empty when there is none.
     *
     * @throws IOException naming the file when it exists but is not a calibration
     */
    public static Optional<Calibration> read(Path file) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readString(file), Calibration.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            throw new IOException(file + ": not a calibration (expected machine, measured and "
                    + "seconds): " + e.getMessage(), e);
        }
    }

    /** Writes this calibration to {@code file} atomically, making its folder if needed. */
    public void write(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        DurableFiles.replace(file, JSON.writeValueAsBytes(this));
    }
}
