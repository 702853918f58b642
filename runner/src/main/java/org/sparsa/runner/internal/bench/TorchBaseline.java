package org.sparsa.runner.internal.bench;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The PyTorch baseline's measurements ({@code torch_baseline.py}: one JSON object per line,
 * with {@code bench} and the size that identifies it), read from a file of its output or
 * captured from running it, and joined to Sparsa's measurements by workload and size:
 * {@code n} for {@code gemm}, {@code T} for {@code attention} and {@code train},
 * {@code new_tokens} for {@code decode}. Every attention plugin is compared with the
 * baseline's attention, which is full causal attention.
 */
public final class TorchBaseline {
    /** The fields that hold a time in seconds, in either program's measurements. */
    public static final List<String> TIME_FIELDS = List.of("seconds", "fwd_seconds",
            "fwd_bwd_seconds", "seconds_per_step");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    private final List<Map<String, Object>> lines;

    private TorchBaseline(List<Map<String, Object>> lines) {
        this.lines = Collections.unmodifiableList(lines);
    }

    /**
     * The measurements in {@code file}: lines that start with <code>{</code>; others (a
     * warning the baseline printed) are skipped.
     *
     * @throws IllegalArgumentException naming the file and line when a line is not a JSON
     *     object with a {@code bench} field, or the file does not exist
     */
    public static TorchBaseline read(Path file) throws IOException {
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--compare " + file + ": no such file");
        }
    }

    /**
     * Runs {@code command} with the workloads' names appended (through {@code sh -c}, so the
     * command may hold arguments, {@code "python3 torch_baseline.py --threads 2"}), keeps what
     * it prints in {@code saveTo}, passes its error output on to {@code err}, and reads the
     * measurements.
     *
     * @throws IllegalArgumentException when the command fails, naming its exit status
     */
    public static TorchBaseline run(String command, List<String> workloads, Path saveTo,
            PrintWriter err) throws IOException, InterruptedException {
        String line = command + " " + String.join(" ", workloads);
        Process process = new ProcessBuilder("sh", "-c", line)
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        Thread errors = new Thread(() -> copy(process, err), "torch-baseline-stderr");
        errors.start();
        List<String> output = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                output.add(text);
            }
        }
        int status = process.waitFor();
        errors.join();
        Files.write(saveTo, output, StandardCharsets.UTF_8);
        if (status != 0) {
            throw new IllegalArgumentException("--torch '" + line + "' exited with status "
                    + status + "; its output is in " + saveTo);
        }
        return parse(output, "--torch '" + line + "'");
    }

    private static void copy(Process process, PrintWriter err) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                synchronized (err) {
                    err.println("torch: " + text);
                }
            }
        } catch (IOException e) {
            // The process is gone; its exit status tells what happened.
        }
    }

    static TorchBaseline parse(List<String> text, String origin) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String line = text.get(i).strip();
            if (!line.startsWith("{")) {
                continue;
            }
            Map<String, Object> object;
            try {
                object = JSON.readValue(line, OBJECT);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(origin + ":" + (i + 1) + ": not a JSON "
                        + "object: " + e.getOriginalMessage());
            }
            if (!(object.get(Measurement.BENCH) instanceof String)) {
                throw new IllegalArgumentException(origin + ":" + (i + 1) + ": expected a "
                        + "'bench' field naming the workload, found " + line);
            }
            lines.add(object);
        }
        return new TorchBaseline(lines);
    }

    /** Every measurement, as read. */
    public List<Map<String, Object>> lines() {
        return lines;
    }

    /** The field that tells the sizes of {@code bench} apart, or null for an unknown workload. */
    public static String sizeField(String bench) {
        return switch (bench) {
            case "gemm" -> "n";
            case "attention", "train" -> "T";
            case "decode" -> "new_tokens";
            default -> null;
        };
    }

    /** The baseline's measurement of the same workload and size as {@code measurement}. */
    public Optional<Map<String, Object>> match(Measurement measurement) {
        String field = sizeField(measurement.bench());
        Double size = field == null ? null : measurement.number(field);
        if (size == null) {
            return Optional.empty();
        }
        for (Map<String, Object> line : lines) {
            if (measurement.bench().equals(line.get(Measurement.BENCH))
                    && line.get(field) instanceof Number n && n.doubleValue() == size) {
                return Optional.of(line);
            }
        }
        return Optional.empty();
    }

    /**
     * The baseline's time over Sparsa's for {@code field}: above 1 Sparsa is faster, below 1
     * slower; null when either side lacks the field.
     */
    public static Double speedRatio(Measurement measurement, Map<String, Object> baseline,
            String field) {
        Double ours = measurement.number(Objects.requireNonNull(field, "field"));
        if (ours == null || !(baseline.get(field) instanceof Number theirs) || !(ours > 0)) {
            return null;
        }
        return theirs.doubleValue() / ours;
    }
}
