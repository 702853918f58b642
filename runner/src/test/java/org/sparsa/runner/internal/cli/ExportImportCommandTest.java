package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.checkpoint.Checkpoints;
import org.sparsa.core.checkpoint.TrainerState;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.SafetensorsWriter;
import org.sparsa.core.safetensors.TensorEntry;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import picocli.CommandLine;

class ExportImportCommandTest {
    /** Untied, grouped-query: every Llama parameter kind is there. */
    static final ModelConfig UNTIED = ModelConfig.llama(11, 8, 2, 2, 1, 16);
    static final ModelConfig TIED = UNTIED.withTieEmbeddings(true);

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine line = new CommandLine(new Root()).addSubcommand(new ExportCommand())
                .addSubcommand(new ImportCommand());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    /** Stands in for {@link SparsaCommand}, whose version provider needs the framework. */
    @CommandLine.Command(name = "sparsa")
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void sparsaHasBothSubcommands() {
        List<Class<?>> subcommands = List.of(
                SparsaCommand.class.getAnnotation(CommandLine.Command.class).subcommands());
        assertTrue(subcommands.contains(ExportCommand.class));
        assertTrue(subcommands.contains(ImportCommand.class));
    }

    private static ParameterStore model(ModelConfig config, long seed) {
        ParameterStore store = new ParameterStore(new Autograd(new JavaBackend()), seed);
        List<AttentionPlugin> plugins = Collections.nCopies(config.layers(),
                new FullAttentionPlugin());
        new LlamaModel(config, store, plugins);
        return store;
    }

    /** A run folder with one checkpoint, saved through {@link Checkpoints}. */
    private static Path savedRun(Path dir, ModelConfig config) throws IOException {
        Path run = dir.resolve("run");
        ParameterStore store = model(config, 7);
        AdamW adam = new AdamW(store, AdamWOptions.of(0.01));
        new Checkpoints(run).save(store, config.toHuggingFaceJson(), adam,
                new TrainerState(12, 34, Map.of("data", 5L)));
        return run;
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void exportImportExportGivesIdenticalWeights(@TempDir Path dir) throws Exception {
        Path run = savedRun(dir, UNTIED);
        Path checkpoint = new Checkpoints(run).latest().orElseThrow();

        Path hf = dir.resolve("hf");
        assertEquals(0, run("export", run.toString(), "--to", hf.toString()), err.toString());
        assertTrue(out.toString().contains("exported "), out.toString());
        assertEquals(List.of("config.json", "model.safetensors"), listing(hf));
        assertArrayEquals(Files.readAllBytes(checkpoint.resolve("config.json")),
                Files.readAllBytes(hf.resolve("config.json")));
        try (SafetensorsFile file = SafetensorsFile.open(hf.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), file.metadata());
            assertEquals(LlamaFolders.expectedShapes(UNTIED).keySet().stream().sorted().toList(),
                    file.entries().stream().map(TensorEntry::name).sorted().toList());
            for (TensorEntry e : file.entries()) {
                assertEquals(DType.F32, e.dtype());
            }
        }

        Path imported = dir.resolve("imported");
        assertEquals(0, run("import", hf.toString(), "--to", imported.toString()),
                err.toString());
        Checkpoints.verify(imported);
        ParameterStore store = model(UNTIED, 99);
        AdamW adam = new AdamW(store, AdamWOptions.of(0.01));
        TrainerState state = Checkpoints.load(imported, store, adam);
        assertEquals(0, state.step());
        assertEquals(0, adam.state().steps());
        ParameterStore original = model(UNTIED, 1);
        Checkpoints.loadWeights(checkpoint.resolve("model.safetensors"), original);
        for (String name : original.names()) {
            assertArrayEquals(original.get(name).value().toArray(),
                    store.get(name).value().toArray(), name);
        }

        // The checkpoints folder is accepted too, and an existing empty target.
        Path again = Files.createDirectory(dir.resolve("again"));
        assertEquals(0, run("export", imported.toString(), "--to", again.toString()),
                err.toString());
        byte[] first = Files.readAllBytes(hf.resolve("model.safetensors"));
        assertArrayEquals(first, Files.readAllBytes(again.resolve("model.safetensors")));
        assertArrayEquals(first, Files.readAllBytes(checkpoint.resolve("model.safetensors")));
        Path third = dir.resolve("third");
        assertEquals(0, run("export", run.resolve("checkpoints").toString(), "--to",
                third.toString()), err.toString());
        assertArrayEquals(first, Files.readAllBytes(third.resolve("model.safetensors")));
    }

    @Test
    void aHandBuiltFolderImportsWithTiedEmbeddings(@TempDir Path dir) throws Exception {
        Path hf = Files.createDirectory(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), TIED.toHuggingFaceJson());
        SafetensorsWriter writer = new SafetensorsWriter();
        int i = 0;
        for (Map.Entry<String, int[]> e : LlamaFolders.expectedShapes(TIED).entrySet()) {
            writer.add(e.getKey(), e.getValue(), values(e.getValue(), i++));
        }
        writer.write(hf.resolve("model.safetensors"));
        Path ck = dir.resolve("ck");
        assertEquals(0, run("import", hf.toString(), "--to", ck.toString()), err.toString());
        Checkpoints.verify(ck);
        ParameterStore store = model(TIED, 3);
        Checkpoints.loadWeights(ck.resolve("model.safetensors"), store);
        assertArrayEquals(values(new int[] {8}, 1),
                store.get("model.layers.0.input_layernorm.weight").value().toArray());
    }

    @Test
    void f64AndBf16WeightsAreStoredAsF32(@TempDir Path dir) throws Exception {
        Path hf = Files.createDirectory(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), TIED.toHuggingFaceJson());
        Map<String, Raw> tensors = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, int[]> e : LlamaFolders.expectedShapes(TIED).entrySet()) {
            float[] v = values(e.getValue(), i);
            tensors.put(e.getKey(), i % 3 == 0 ? Raw.f32(e.getValue(), v)
                    : i % 3 == 1 ? Raw.f64(e.getValue(), v) : Raw.bf16(e.getValue(), v));
            i++;
        }
        writeRaw(hf.resolve("model.safetensors"), tensors);
        Path ck = dir.resolve("ck");
        assertEquals(0, run("import", hf.toString(), "--to", ck.toString()), err.toString());
        assertTrue(out.toString().contains("converted to F32"), out.toString());
        try (SafetensorsFile file = SafetensorsFile.open(ck.resolve("model.safetensors"))) {
            int j = 0;
            for (Map.Entry<String, int[]> e : LlamaFolders.expectedShapes(TIED).entrySet()) {
                assertEquals(DType.F32, file.entry(e.getKey()).dtype());
                float[] expected = values(e.getValue(), j);
                if (j % 3 == 2) {
                    for (int k = 0; k < expected.length; k++) {
                        expected[k] = Float.intBitsToFloat(
                                Float.floatToIntBits(expected[k]) & 0xFFFF0000);
                    }
                }
                assertArrayEquals(expected, file.readFloats(e.getKey()), e.getKey());
                j++;
            }
        }
    }

    @Test
    void shardedFoldersImport(@TempDir Path dir) throws Exception {
        Path hf = Files.createDirectory(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), UNTIED.toHuggingFaceJson());
        SafetensorsWriter one = new SafetensorsWriter().metadata("format", "pt");
        SafetensorsWriter two = new SafetensorsWriter().metadata("format", "pt");
        StringBuilder map = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, int[]> e : LlamaFolders.expectedShapes(UNTIED).entrySet()) {
            String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors"
                    : "model-00002-of-00002.safetensors";
            (i % 2 == 0 ? one : two).add(e.getKey(), e.getValue(), values(e.getValue(), i));
            map.append(i == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"")
                    .append(shard).append('"');
            i++;
        }
        one.write(hf.resolve("model-00001-of-00002.safetensors"));
        two.write(hf.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(hf.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{" + map + "}}");
        Path ck = dir.resolve("ck");
        assertEquals(0, run("import", hf.toString(), "--to", ck.toString()), err.toString());
        ParameterStore store = model(UNTIED, 3);
        Checkpoints.loadWeights(ck.resolve("model.safetensors"), store);
        assertArrayEquals(values(new int[] {11, 8}, 0),
                store.get("model.embed_tokens.weight").value().toArray());

        // A shard the index names but that is missing.
        Files.delete(hf.resolve("model-00002-of-00002.safetensors"));
        assertEquals(1, run("import", hf.toString(), "--to", dir.resolve("x").toString()));
        assertTrue(err.toString().contains("model-00002-of-00002.safetensors: missing"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void pluginParametersAreKeptAndListed(@TempDir Path dir) throws Exception {
        Path hf = handBuilt(dir, Map.of("model.layers.1.self_attn.gate_bias",
                new int[] {2}, "model.layers.0.self_attn.rotary_emb.inv_freq", new int[] {2}),
                null, null);
        Path ck = dir.resolve("ck");
        assertEquals(0, run("import", hf.toString(), "--to", ck.toString()), err.toString());
        assertTrue(out.toString().contains("    model.layers.1.self_attn.gate_bias"),
                out.toString());
        assertTrue(out.toString().contains("left out 1 RoPE buffers"), out.toString());
        try (SafetensorsFile file = SafetensorsFile.open(ck.resolve("model.safetensors"))) {
            assertFalse(file.entries().stream()
                    .anyMatch(e -> e.name().endsWith("rotary_emb.inv_freq")));
        }
        Path back = dir.resolve("back");
        assertEquals(0, run("export", ck.toString(), "--to", back.toString()), err.toString());
        assertTrue(out.toString().contains("kept 1 attention-plugin parameters"),
                out.toString());
        assertArrayEquals(Files.readAllBytes(ck.resolve("model.safetensors")),
                Files.readAllBytes(back.resolve("model.safetensors")));
    }

    @Test
    void errorsNameTheFileAndTheTensorAndWriteNothing(@TempDir Path dir) throws Exception {
        String model = dir.resolve("%s").resolve("model.safetensors").toString();
        expectError(handBuilt(dir.resolve("a"), Map.of(), "model.norm.weight", null),
                model.formatted("a/hf") + ": missing tensor 'model.norm.weight'");
        expectError(handBuilt(dir.resolve("b"), Map.of("model.layers.7.mlp.up_proj.weight",
                new int[] {2}), null, null),
                model.formatted("b/hf") + ": unexpected tensor 'model.layers.7.mlp.up_proj.weight'");
        expectError(handBuilt(dir.resolve("c"), Map.of(), null,
                Map.entry("model.norm.weight", new int[] {9})),
                model.formatted("c/hf") + ": tensor 'model.norm.weight' has shape [9], the "
                        + "configuration implies [8]");

        Path d = handBuilt(dir.resolve("d"), Map.of(), null, null);
        Map<String, Raw> ints = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : LlamaFolders.expectedShapes(UNTIED).entrySet()) {
            float[] v = values(e.getValue(), 0);
            ints.put(e.getKey(), e.getKey().equals("lm_head.weight") ? Raw.i32(e.getValue())
                    : Raw.f32(e.getValue(), v));
        }
        Files.delete(d.resolve("model.safetensors"));
        writeRaw(d.resolve("model.safetensors"), ints);
        expectError(d, model.formatted("d/hf") + ": tensor 'lm_head.weight' is I32, expected "
                + "F32 or F64 or BF16");

        Path e = handBuilt(dir.resolve("e"), Map.of(), null, null);
        Files.delete(e.resolve("config.json"));
        expectError(e, e.resolve("config.json") + ": missing");
        Files.writeString(e.resolve("config.json"), "{\"model_type\": \"llama\"}");
        expectError(e, e.resolve("config.json") + ": not a Llama configuration");

        // Export checks the same way and refuses what a checkpoint should not hold.
        Path f = handBuilt(dir.resolve("f"), Map.of(), "lm_head.weight", null);
        assertEquals(1, run("export", f.toString(), "--to", dir.resolve("out").toString()));
        assertTrue(err.toString().startsWith("error: " + model.formatted("f/hf")
                + ": missing tensor 'lm_head.weight'"), err.toString());
        assertEquals(1, run("export", dir.toString(), "--to", dir.resolve("out").toString()));
        assertTrue(err.toString().contains("neither a checkpoint folder"), err.toString());
        assertFalse(Files.exists(dir.resolve("out")));
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aNonEmptyTargetIsRefusedAndLeftAlone(@TempDir Path dir) throws Exception {
        Path run = savedRun(dir, UNTIED);
        Path target = Files.createDirectory(dir.resolve("target"));
        Files.writeString(target.resolve("notes.txt"), "keep me");
        assertEquals(1, run("export", run.toString(), "--to", target.toString()));
        assertTrue(err.toString().contains(target + ": is not empty"), err.toString());
        assertEquals(List.of("notes.txt"), listing(target));

        Path hf = dir.resolve("hf");
        assertEquals(0, run("export", run.toString(), "--to", hf.toString()), err.toString());
        assertEquals(1, run("import", hf.toString(), "--to", target.toString()));
        assertTrue(err.toString().contains(target + ": is not empty"), err.toString());
        assertEquals(1, run("import", hf.toString(), "--to", hf.toString()));
        assertEquals(List.of("notes.txt"), listing(target));
        assertEquals(List.of(), leftovers(dir));
    }

    private void expectError(Path hf, String message) {
        Path target = hf.resolveSibling("ck");
        assertEquals(1, run("import", hf.toString(), "--to", target.toString()), out.toString());
        assertTrue(err.toString().startsWith("error: " + message), err.toString());
        assertFalse(Files.exists(target));
    }

    private static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp"))
                    .toList();
        }
    }

    /**
     * {@code dir/hf}: the untied model's tensors plus {@code extra}, less {@code omit}, with
     * {@code reshaped}'s shape instead of the right one.
     */
    private static Path handBuilt(Path dir, Map<String, int[]> extra, String omit,
            Map.Entry<String, int[]> reshaped) throws IOException {
        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), UNTIED.toHuggingFaceJson());
        Map<String, int[]> shapes = new LinkedHashMap<>(LlamaFolders.expectedShapes(UNTIED));
        shapes.putAll(extra);
        shapes.remove(omit);
        if (reshaped != null) {
            shapes.put(reshaped.getKey(), reshaped.getValue());
        }
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        int i = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            writer.add(e.getKey(), e.getValue(), values(e.getValue(), i++));
        }
        writer.write(hf.resolve("model.safetensors"));
        return hf;
    }

    private static float[] values(int[] shape, int seed) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) Math.sin(seed * 31 + k * 0.37) / 3;
        }
        return v;
    }

    /** A tensor as raw bytes with any dtype, for files the writer does not produce. */
    private record Raw(String dtype, int[] shape, byte[] bytes) {
        static Raw f32(int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return new Raw("F32", shape, b.array());
        }

        static Raw f64(int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putDouble(x);
            }
            return new Raw("F64", shape, b.array());
        }

        static Raw bf16(int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putShort((short) (Float.floatToIntBits(x) >>> 16));
            }
            return new Raw("BF16", shape, b.array());
        }

        static Raw i32(int[] shape) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return new Raw("I32", shape, new byte[n * 4]);
        }
    }

    private static void writeRaw(Path file, Map<String, Raw> tensors) throws IOException {
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            int[] s = e.getValue().shape();
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey())
                    .append("\":{\"dtype\":\"").append(e.getValue().dtype())
                    .append("\",\"shape\":").append(java.util.Arrays.toString(s))
                    .append(",\"data_offsets\":[").append(data.size()).append(',')
                    .append(data.size() + e.getValue().bytes().length).append("]}");
            data.write(e.getValue().bytes());
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(length.array());
        all.write(json);
        all.write(data.toByteArray());
        Files.write(file, all.toByteArray());
    }
}
