package org.sparsa.runner.internal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * {@value #FILE_NAME}: everything one {@code sparsa bench} command measured, with what is
 * needed to read it later: the command line, the backend and device, the JVM, the processor
 * count, the timing settings, the growth exponents of attention time with {@code T}
 * ({@link GrowthExponent}) and the PyTorch baseline's measurements when there were any.
 */
public final class BenchReport {
    /** The file's name in the output folder. */
    public static final String FILE_NAME = "bench.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private BenchReport() {
    }

    /**
     * Writes {@code folder}/{@value #FILE_NAME}.
     *
     * @param setting what the measurements were made with (command line, backend, device,
     *     JVM, …), written first in its order
     * @param baseline the PyTorch measurements, or null
     * @return the file's path
     */
    public static Path write(Path folder, Map<String, Object> setting,
            List<Measurement> measurements, TorchBaseline baseline) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>(setting);
        report.put("measurements", measurements.stream().map(Measurement::fields).toList());
        Map<String, Map<String, Double>> growth = GrowthExponent.of(measurements);
        if (!growth.isEmpty()) {
            report.put("growth_exponent", growth);
        }
        if (baseline != null) {
            report.put("torch", baseline.lines());
        }
        Path file = folder.resolve(FILE_NAME);
        DurableFiles.replace(file, JSON.writeValueAsBytes(report));
        return file;
    }
}
