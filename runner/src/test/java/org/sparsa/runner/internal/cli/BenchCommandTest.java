package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.core.compute.Calibration;
import org.sparsa.core.compute.OpenClInventory;
import org.sparsa.core.compute.OpenClProbe;
import org.sparsa.runner.internal.run.ShippedPlugins;
import picocli.CommandLine;

/**
 * {@code sparsa bench} at sizes a unit test affords: every workload runs through the classes
 * the framework trains with and the plugins the distribution ships, and what it prints and
 * writes has the baseline's field names. Nothing here asserts a time.
 */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int bench(Path workingFolder, String... args) {
        CommandLine line = new CommandLine(new BenchCommand(ShippedPlugins::new,
                workingFolder));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        // As the distribution's entry point reports input errors.
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + e.getMessage());
            return CommandLineEntry.USAGE_ERROR;
        });
        return line.execute(args);
    }

    private List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> names = new java.util.LinkedHashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void attentionOfEveryPluginPrintsJsonLinesAndWritesTheReportAndPlot(@TempDir Path dir)
            throws IOException {
        assertEquals(0, bench(dir, "attention", "--plugin", "full,nsa,dsa", "--lengths",
                "64,128", "--backend", "java", "--warmup", "0", "--repeats", "1", "--json",
                "--out", "out", "--config", "dsa.top_k=16", "--config", "dsa.index_heads=2",
                "--config", "dsa.index_dim=32", "--config", "dsa.rope_dim=8"), err::toString);

        List<JsonNode> lines = jsonLines();
        assertEquals(6, lines.size(), out::toString);
        List<String> order = new ArrayList<>();
        for (JsonNode line : lines) {
            assertEquals(Set.of("bench", "backend", "plugin", "T", "H", "D", "kv_heads",
                    "fwd_seconds", "fwd_bwd_seconds"), fields(line), line::toString);
            assertEquals("attention", line.get("bench").asText());
            assertEquals("java", line.get("backend").asText());
            assertEquals(4, line.get("H").asInt());
            assertEquals(64, line.get("D").asInt());
            assertEquals(4, line.get("kv_heads").asInt(), "as many kv heads as the baseline's");
            assertTrue(line.get("fwd_seconds").asDouble() > 0, line::toString);
            assertTrue(line.get("fwd_bwd_seconds").asDouble() > 0, line::toString);
            order.add(line.get("plugin").asText() + "@" + line.get("T").asInt());
        }
        assertEquals(List.of("full@64", "full@128", "nsa@64", "nsa@128", "dsa@64", "dsa@128"),
                order);

        JsonNode report = JSON.readTree(dir.resolve("out/bench.json").toFile());
        assertEquals("java", report.get("backend").asText());
        assertEquals(1, report.get("repeats").asInt());
        assertEquals(List.of("sparsa", "bench", "attention"),
                toList(report.get("command")).subList(0, 3).stream().map(JsonNode::asText)
                        .toList(), "the command as typed, \"bench\" once");
        assertEquals(lines, toList(report.get("measurements")),
                "bench.json holds what was printed");
        for (String plugin : List.of("full", "nsa", "dsa")) {
            JsonNode growth = report.get("growth_exponent").get(plugin);
            assertTrue(growth.has("fwd_seconds") && growth.has("fwd_bwd_seconds"),
                    report::toString);
        }
        assertFalse(report.has("torch"), "no baseline was given");
        byte[] png = Files.readAllBytes(dir.resolve("out/bench-attention.png"));
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(png, 4));
    }

    @Test
    void forwardOnlyTimesNoBackward(@TempDir Path dir) throws IOException {
        assertEquals(0, bench(dir, "attention", "--lengths", "32", "--backend", "java",
                "--warmup", "0", "--repeats", "1", "--mode", "fwd", "--json", "--out", "o"),
                err::toString);
        JsonNode line = jsonLines().get(0);
        assertEquals("full", line.get("plugin").asText(), "full attention by default");
        assertTrue(line.has("fwd_seconds"));
        assertFalse(line.has("fwd_bwd_seconds"), line::toString);
    }

    @Test
    void gemmTrainAndDecodeAtTinySizesUseTheBaselineFieldNames(@TempDir Path dir)
            throws IOException {
        int dim = 32;
        int vocab = 32;
        int ffn = 48;
        assertEquals(0, bench(dir, "decode", "gemm", "train", "--sizes", "32", "--lengths",
                "16", "--dim", "" + dim, "--heads", "2", "--layers", "1", "--ffn-hidden",
                "" + ffn, "--vocab", "" + vocab, "--prompt", "4", "--new-tokens", "3",
                "--backend", "java", "--warmup", "0", "--repeats", "1", "--json", "--out",
                "out"), err::toString);
        List<JsonNode> lines = jsonLines();
        assertEquals(List.of("gemm", "train", "decode"),
                lines.stream().map(l -> l.get("bench").asText()).toList(),
                "the baseline's order, whatever the command line's");

        JsonNode gemm = lines.get(0);
        assertEquals(Set.of("bench", "backend", "n", "seconds", "gflops"), fields(gemm));
        assertEquals(32, gemm.get("n").asInt());
        assertEquals(2.0 * 32 * 32 * 32 / gemm.get("seconds").asDouble() / 1e9,
                gemm.get("gflops").asDouble(), 1e-9 * gemm.get("gflops").asDouble());

        JsonNode train = lines.get(1);
        assertEquals(Set.of("bench", "backend", "plugin", "T", "layers", "dim",
                "seconds_per_step", "tokens_per_second", "params", "gc_share"), fields(train));
        assertEquals(16, train.get("T").asInt());
        assertEquals(1, train.get("layers").asInt());
        assertEquals(dim, train.get("dim").asInt());
        assertEquals(16 / train.get("seconds_per_step").asDouble(),
                train.get("tokens_per_second").asDouble(), 1e-9 * 16
                        / train.get("seconds_per_step").asDouble());
        // The baseline's layout: embedding and untied head, final norm, and per layer two
        // norms, q/k/v/o and the three SwiGLU matrices.
        long params = 2L * vocab * dim + dim + 2L * dim + 4L * dim * dim + 3L * dim * ffn;
        assertEquals(params, train.get("params").asLong());
        double gcShare = train.get("gc_share").asDouble();
        assertTrue(gcShare >= 0 && gcShare <= 1, "gc_share " + gcShare);

        JsonNode decode = lines.get(2);
        assertEquals(Set.of("bench", "backend", "plugin", "prompt", "new_tokens", "seconds",
                "tokens_per_second"), fields(decode));
        assertEquals(4, decode.get("prompt").asInt());
        assertEquals(3, decode.get("new_tokens").asInt());
        assertEquals(3 / decode.get("seconds").asDouble(),
                decode.get("tokens_per_second").asDouble(), 1e-9 * 3
                        / decode.get("seconds").asDouble());

        assertTrue(Files.isRegularFile(dir.resolve("out/bench.json")));
        assertFalse(Files.exists(dir.resolve("out/bench-attention.png")),
                "no attention measured, no plot");
    }

    @Test
    void aTableWithRatiosAgainstABaselineFile(@TempDir Path dir) throws IOException {
        Path baseline = dir.resolve("torch.jsonl");
        Files.writeString(baseline, """
                a warning the baseline printed
                {"bench": "gemm", "n": 32, "seconds": 0.25, "gflops": 0.0003}
                {"bench": "attention", "T": 32, "H": 4, "D": 64, "fwd_seconds": 0.5, \
                "fwd_bwd_seconds": 2.0}
                {"bench": "attention", "T": 4096, "H": 4, "D": 64, "fwd_seconds": 9.0, \
                "fwd_bwd_seconds": 30.0}
                """);
        assertEquals(0, bench(dir, "attention", "gemm", "--lengths", "32,48", "--sizes", "32",
                "--backend", "java", "--warmup", "0", "--repeats", "1", "--compare",
                baseline.toString(), "--out", "out"), err::toString);

        JsonNode report = JSON.readTree(dir.resolve("out/bench.json").toFile());
        assertEquals(3, report.get("torch").size(), "the baseline's lines kept beside ours");
        JsonNode attention32 = report.get("measurements").get(1);
        assertEquals(32, attention32.get("T").asInt());
        String table = out.toString();
        List<String> rows = table.lines().toList();
        String header = rows.stream().filter(r -> r.startsWith("backend") && r.contains("T"))
                .findFirst().orElseThrow(() -> new AssertionError(table));
        for (String column : List.of("torch fwd_seconds", "ratio fwd_seconds",
                "torch fwd_bwd_seconds", "ratio fwd_bwd_seconds")) {
            assertTrue(header.contains(column), header);
        }
        List<String> columns = cells(header);
        List<String> row32 = cells(rows.get(rows.indexOf(header) + 1));
        assertEquals("32", row32.get(columns.indexOf("T")));
        assertEquals("500 ms", row32.get(columns.indexOf("torch fwd_seconds")));
        assertEquals(String.format(Locale.ROOT, "%.2f",
                0.5 / attention32.get("fwd_seconds").asDouble()),
                row32.get(columns.indexOf("ratio fwd_seconds")), "the baseline's time over ours");
        assertEquals("2.00 s", row32.get(columns.indexOf("torch fwd_bwd_seconds")));
        List<String> row48 = cells(rows.get(rows.indexOf(header) + 2));
        assertEquals("48", row48.get(columns.indexOf("T")));
        assertEquals("-", row48.get(columns.indexOf("ratio fwd_seconds")),
                "no baseline at T = 48");
        assertTrue(table.contains("ratio seconds"), "gemm is joined by n: " + table);
        assertTrue(table.contains("k = "), "the growth exponent of full attention: " + table);
        assertTrue(err.toString().contains("measured {\"bench\":\"attention\""),
                "progress on stderr: " + err);
    }

    @Test
    void runsTheBaselineCommandFirstAndKeepsItsOutput(@TempDir Path dir) throws IOException {
        Path script = dir.resolve("baseline.sh");
        Files.writeString(script, """
                echo "$@" > "$(dirname "$0")/args.txt"
                echo 'starting' >&2
                echo '{"bench": "gemm", "n": 16, "seconds": 0.125, "gflops": 0.07}'
                """);
        assertEquals(0, bench(dir, "gemm", "--sizes", "16", "--backend", "java", "--warmup",
                "0", "--repeats", "1", "--torch", "sh " + script + " --threads 2", "--out",
                "out"), err::toString);
        assertEquals("--threads 2 gemm", Files.readString(dir.resolve("args.txt")).strip(),
                "the workloads' names appended");
        assertTrue(Files.readString(dir.resolve("out/torch.jsonl")).contains("\"n\": 16"));
        JsonNode report = JSON.readTree(dir.resolve("out/bench.json").toFile());
        assertEquals(0.125, report.get("torch").get(0).get("seconds").asDouble());
        assertTrue(err.toString().contains("torch: starting"), err::toString);
        assertTrue(out.toString().contains("ratio seconds"), out::toString);
    }

    @Test
    void calibratesEveryBackendThisMachineHasForAuto(@TempDir Path dir) throws IOException {
        assertEquals(0, bench(dir, "--calibrate", "--calibration", "cal/calibration.json",
                "--sizes", "32", "--lengths", "32", "--warmup", "0", "--repeats", "1"),
                err::toString);
        Path file = dir.resolve("cal/calibration.json");
        OpenClInventory inventory = OpenClProbe.probe();
        Calibration calibration = Calibration.read(file).orElseThrow();
        assertEquals(Calibration.machineKey(inventory), calibration.machine());
        for (String op : Calibration.OPS) {
            Map<String, Double> seconds = calibration.seconds().get(op);
            assertTrue(seconds.get("java") > 0, op + ": " + seconds);
            // CI and this project's machines have PoCL at least; a machine without OpenCL
            // calibrates Java alone.
            assertEquals(!inventory.devices().isEmpty(), seconds.containsKey("opencl"),
                    op + ": " + seconds + ", " + err);
        }
        String table = out.toString();
        assertTrue(table.contains("auto picks"), table);
        for (String op : Calibration.OPS) {
            String row = table.lines().filter(l -> l.startsWith(op + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(table));
            assertTrue(row.endsWith(calibration.choice(op).name().toLowerCase(Locale.ROOT)),
                    row);
        }
        assertTrue(table.contains("calibration: " + file), table);

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "--calibrate", "gemm"));
        assertTrue(err.toString().contains("--calibrate measures workloads of its own; leave "
                + "out gemm"), err::toString);
    }

    @Test
    void refusesWhatItCannotMeasure(@TempDir Path dir) {
        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir));
        assertTrue(err.toString().contains("name a WORKLOAD"), err::toString);

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "softmax"));
        assertTrue(err.toString().contains("unknown workload 'softmax'; expected gemm, "
                + "attention, train, decode or all"), err::toString);

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "attention", "--plugin", "full",
                "--config", "dsa.top_k=8"));
        assertTrue(err.toString().contains("'dsa' is not among the plugins benched"),
                err::toString);

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "attention", "--mode", "bwd"));
        assertTrue(err.toString().contains("--mode 'bwd': expected fwd, fwd_bwd or both"),
                err::toString);

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "attention", "--plugin", "sparse",
                "--lengths", "8", "--backend", "java", "--out", "bad"));
        assertTrue(err.toString().contains("unknown attention 'sparse'"), err::toString);
        assertFalse(Files.exists(dir.resolve("bad")), "refused before its folder is made");

        assertEquals(CommandLineEntry.USAGE_ERROR, bench(dir, "gemm", "--backend", "cuda"));
        assertTrue(err.toString().contains("--backend 'cuda': expected java, opencl or auto"),
                err::toString);
    }

    /** A table row's cells: columns are at least two spaces apart, cells hold single ones. */
    private static List<String> cells(String row) {
        return List.of(row.strip().split("\\s{2,}"));
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }
}
