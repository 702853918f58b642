package org.sparsa.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    private static final float[] FLOATS = {0f, -0f, 1.5f, -3.25e-7f, Float.MIN_VALUE,
        Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc00001)};
    private static final double[] DOUBLES = {0d, -0d, Math.PI, -1e-300, Double.MIN_VALUE,
        Double.MAX_VALUE, Double.NEGATIVE_INFINITY, Double.longBitsToDouble(0x7ff8000000000123L)};
    private static final int[] INTS = {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 123456789};
    private static final long[] LONGS = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE};
    private static final byte[] BYTES = {0, 1, 127, -128, -1};

    @TempDir
    Path dir;

    @Test
    void everyWritableDtypeRoundTripsBitForBit() throws IOException {
        Path target = dir.resolve("all.safetensors");
        new SafetensorsWriter()
                .add("bytes", new int[] {5}, BYTES)
                .add("floats", new int[] {3, 3}, FLOATS)
                .add("doubles", new int[] {2, 2, 2}, DOUBLES)
                .add("ints", new int[] {2, 3}, INTS)
                .add("longs", new int[] {4}, LONGS)
                .add("scalar", new int[0], new float[] {42.5f})
                .add("empty", new int[] {0, 3}, new double[0])
                .add("empty-ints", new int[] {2, 0}, new int[0])
                .write(target);

        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertEquals(List.of("bytes", "floats", "doubles", "ints", "longs", "scalar", "empty",
                    "empty-ints"), file.entries().stream().map(TensorEntry::name).toList());
            assertEquals(Map.of(), file.metadata());
            assertArrayEquals(BYTES, file.readBytes("bytes"));
            assertArrayEquals(bits(FLOATS), bits(file.readFloats("floats")));
            assertArrayEquals(bits(DOUBLES), bits(file.readDoubles("doubles")));
            assertArrayEquals(INTS, file.readInts("ints"));
            assertArrayEquals(LONGS, file.readLongs("longs"));

            TensorEntry scalar = file.entry("scalar");
            assertArrayEquals(new int[0], scalar.shape());
            assertEquals(1, scalar.elementCount());
            assertArrayEquals(new float[] {42.5f}, file.readFloats("scalar"));

            assertEquals(DType.F64, file.entry("empty").dtype());
            assertArrayEquals(new int[] {0, 3}, file.entry("empty").shape());
            assertEquals(0, file.readDoubles("empty").length);
            assertEquals(0, file.readInts("empty-ints").length);

            // Widest dtype first, so each tensor starts at a multiple of its element size.
            for (TensorEntry entry : file.entries()) {
                assertEquals(0, entry.begin() % entry.dtype().bytes(), entry::toString);
            }
        }
    }

    @Test
    void readsConvertBetweenDtypes() throws IOException {
        Path target = dir.resolve("convert.safetensors");
        new SafetensorsWriter()
                .add("f64", new int[] {2}, new double[] {0.1, -2})
                .add("i64", new int[] {2}, new long[] {-7, 1L << 40})
                .add("i32", new int[] {2}, new int[] {-7, 9})
                .add("u8", new int[] {2}, new byte[] {(byte) 255, 3})
                .add("f32", new int[] {1}, new float[] {0.1f})
                .write(target);
        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertArrayEquals(new float[] {0.1f, -2f}, file.readFloats("f64"));
            assertArrayEquals(new float[] {-7f, 0x1p40f}, file.readFloats("i64"));
            assertArrayEquals(new double[] {-7, 9}, file.readDoubles("i32"));
            assertArrayEquals(new float[] {255, 3}, file.readFloats("u8"));
            assertArrayEquals(new double[] {0.1f}, file.readDoubles("f32"));
            assertArrayEquals(new int[] {-7, 9}, file.readInts("i32"));
            assertArrayEquals(new int[] {255, 3}, file.readInts("u8"));
            assertArrayEquals(new long[] {-7, 9}, file.readLongs("i32"));
            assertArrayEquals(new long[] {-7, 1L << 40}, file.readLongs("i64"));
            assertArrayEquals(new byte[] {(byte) 0xf9, -1, -1, -1, 9, 0, 0, 0},
                    file.readBytes("i32"));

            SafetensorsException overflow = assertThrows(SafetensorsException.class,
                    () -> file.readInts("i64"));
            assertMessage(overflow, "convert.safetensors: tensor 'i64': element 1 is 1099511627776",
                    "outside the int range");
            SafetensorsException floats = assertThrows(SafetensorsException.class,
                    () -> file.readInts("f32"));
            assertMessage(floats, "convert.safetensors: tensor 'f32' is F32", "I32, I64 or U8");
            assertThrows(SafetensorsException.class, () -> file.readLongs("f64"));
        }
    }

    @Test
    void tensorsLargerThanOneChunkRoundTrip() throws IOException {
        float[] floats = new float[600_000];
        long[] longs = new long[200_000];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = i * 0.5f - 7;
        }
        for (int i = 0; i < longs.length; i++) {
            longs[i] = (long) i * i * 31 - i;
        }
        Path target = dir.resolve("large.safetensors");
        new SafetensorsWriter().add("f", new int[] {600, 1000}, floats)
                .add("l", new int[] {200_000}, longs).write(target);
        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertArrayEquals(floats, file.readFloats("f"));
            assertArrayEquals(longs, file.readLongs("l"));
            assertEquals(600_000L * 4, file.readBytes("f").length);
        }
    }

    @Test
    void addRawCopiesTensorsButRefusesBf16() throws IOException {
        Path source = dir.resolve("source.safetensors");
        new SafetensorsWriter().add("w", new int[] {2, 2}, new double[] {1, 2, 3, 4})
                .write(source);
        Path copy = dir.resolve("copy.safetensors");
        try (SafetensorsFile file = SafetensorsFile.open(source)) {
            TensorEntry w = file.entry("w");
            new SafetensorsWriter().addRaw("w", w.dtype(), w.shape(), file.readBytes("w"))
                    .write(copy);
        }
        try (SafetensorsFile file = SafetensorsFile.open(copy)) {
            assertEquals(DType.F64, file.entry("w").dtype());
            assertArrayEquals(new double[] {1, 2, 3, 4}, file.readDoubles("w"));
        }

        IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().addRaw("b", DType.BF16, new int[] {1}, new byte[2]));
        assertTrue(bf16.getMessage().contains("tensor 'b': BF16 is read-only"), bf16.getMessage());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().addRaw("p", DType.F32, new int[] {1}, new byte[3]));
        assertTrue(partial.getMessage().contains("not a whole number of F32"),
                partial.getMessage());
    }

    @Test
    void metadataRoundTripsAndHeaderIsPaddedToEightBytes() throws IOException {
        Path target = dir.resolve("meta.safetensors");
        // Odd lengths everywhere, so padding is needed.
        new SafetensorsWriter().metadata("format", "sparsa-golden/1")
                .metadata("note", "ünïcödé \"quoted\"")
                .metadata("format", "sparsa-golden/2")
                .add("x", new int[] {3}, new byte[] {1, 2, 3})
                .write(target);
        byte[] bytes = Files.readAllBytes(target);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8);
        assertEquals(8 + headerLength + 3, bytes.length);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{") && header.strip().endsWith("}"), header);
        String padding = header.substring(header.lastIndexOf('}') + 1);
        assertTrue(padding.isBlank() && padding.length() < 8, header);

        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertEquals(List.of("format", "note"), List.copyOf(file.metadata().keySet()));
            assertEquals("sparsa-golden/2", file.metadata().get("format"));
            assertEquals("ünïcödé \"quoted\"", file.metadata().get("note"));
            assertEquals(new TensorEntry("x", DType.U8, new int[] {3}, 0, 3), file.entry("x"));
        }
    }

    @Test
    void writingOverAnExistingFileReplacesItCompletely() throws IOException {
        Path target = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("big", new int[] {10_000}, new double[10_000]).write(target);
        new SafetensorsWriter().add("small", new int[] {2}, new int[] {1, 2}).write(target);

        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertEquals(List.of("small"), file.entries().stream().map(TensorEntry::name).toList());
            assertArrayEquals(new int[] {1, 2}, file.readInts("small"));
        }
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(target))
                .order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(8 + headerLength + 8, Files.size(target));
        assertEquals(List.of(target), filesIn(dir));
    }

    @Test
    void failedValidationLeavesTheTargetAndNoTempFiles() throws IOException {
        Path target = dir.resolve("keep.safetensors");
        new SafetensorsWriter().add("a", new int[] {1}, new float[] {1}).write(target);
        byte[] before = Files.readAllBytes(target);

        SafetensorsWriter writer = new SafetensorsWriter().add("b", new int[] {1}, new int[] {5});
        assertThrows(IllegalArgumentException.class,
                () -> writer.add("c", new int[] {2, 2}, new float[3]));
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(List.of(target), filesIn(dir));

        // The failed add left the writer as it was.
        writer.write(target);
        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertEquals(List.of("b"), file.entries().stream().map(TensorEntry::name).toList());
        }
    }

    @Test
    void failedMoveRemovesTheTempFile() throws IOException {
        // A non-empty folder where the file should go: the final move must fail.
        Path target = dir.resolve("taken.safetensors");
        Files.createDirectory(target);
        Path inside = Files.writeString(target.resolve("keep.txt"), "keep");

        SafetensorsWriter writer = new SafetensorsWriter().add("a", new int[] {1}, new float[1]);
        assertThrows(IOException.class, () -> writer.write(target));
        assertEquals("keep", Files.readString(inside));
        assertEquals(List.of(target), filesIn(dir));
    }

    @Test
    void addRejectsBadArguments() {
        SafetensorsWriter writer = new SafetensorsWriter().add("a", new int[] {1}, new float[1]);
        assertRejected("tensor 'a' was already added",
                () -> writer.add("a", new int[] {1}, new int[1]));
        assertRejected("'__metadata__' is reserved",
                () -> writer.add("__metadata__", new int[] {1}, new float[1]));
        assertRejected("non-empty name", () -> writer.add("", new int[] {1}, new float[1]));
        assertRejected("tensor 'n': shape [-1, -2] has a negative dimension",
                () -> writer.add("n", new int[] {-1, -2}, new float[2]));
        assertRejected("tensor 'm': shape [2, 3] holds 6 elements, but the data has 5",
                () -> writer.add("m", new int[] {2, 3}, new long[5]));
        assertRejected("tensor 's': shape [] holds 1 elements, but the data has 0",
                () -> writer.add("s", new int[0], new byte[0]));
    }

    @Test
    void addCopiesTheCallersArrays() throws IOException {
        float[] data = {1, 2};
        int[] shape = {2};
        SafetensorsWriter writer = new SafetensorsWriter().add("x", shape, data);
        data[0] = 99;
        shape[0] = 7;
        Path target = dir.resolve("copy.safetensors");
        writer.write(target);
        try (SafetensorsFile file = SafetensorsFile.open(target)) {
            assertArrayEquals(new float[] {1, 2}, file.readFloats("x"));
            int[] read = file.entry("x").shape();
            read[0] = 5;
            assertArrayEquals(new int[] {2}, file.entry("x").shape());
        }
    }

    private static void assertRejected(String expected, Runnable add) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, add::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static void assertMessage(Exception e, String start, String problem) {
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    private static List<Path> filesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static long[] bits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }
}
