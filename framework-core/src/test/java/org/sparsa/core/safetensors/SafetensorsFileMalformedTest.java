package org.sparsa.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsa.core.safetensors.SafetensorsWriterTest.assertMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken file must fail at open time with a message naming the file and fault. */
class SafetensorsFileMalformedTest {
    private static final String NAME = "bad.safetensors";

    @TempDir
    Path dir;

    /** Opens {@code bytes} as a file and returns the failure, which must name the file first. */
    private SafetensorsException openFails(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve(NAME), bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
        return e;
    }

    private void assertOpenFails(String header, int dataBytes, String... problems)
            throws IOException {
        SafetensorsException e = openFails(file(header, dataBytes));
        for (String problem : problems) {
            assertTrue(e.getMessage().contains(problem), e.getMessage());
        }
    }

    /** A file with {@code header} (not padded) and {@code dataBytes} zero bytes of data. */
    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return file(json.length, json, new byte[dataBytes]);
    }

    private static byte[] file(long headerLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape
                + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        assertMessage(openFails(new byte[] {2, 0, 0, 0, 0}), NAME + ": file is 5 bytes",
                "shorter than the 8-byte header length");
        assertMessage(openFails(new byte[0]), NAME + ": file is 0 bytes", "shorter");
    }

    @Test
    void hugeHeaderLength() throws IOException {
        assertMessage(openFails(file(1L << 62, "{}".getBytes(StandardCharsets.US_ASCII),
                new byte[0])), NAME + ": header length 4611686018427387904",
                "exceeds the limit of 100000000 bytes");
        // Top bit set: must not pass as a negative number.
        assertMessage(openFails(file(-8, new byte[0], new byte[0])),
                NAME + ": header length 18446744073709551608", "exceeds the limit");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        assertMessage(openFails(file(100, "{}".getBytes(StandardCharsets.US_ASCII),
                new byte[10])), NAME + ": header length 100",
                "larger than the 12 bytes after the length field");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] header = {'{', '"', 'a', (byte) 0xff, '"', ':', '1', '}'};
        assertMessage(openFails(file(header.length, header, new byte[0])),
                NAME + ": header is not valid UTF-8", "offset 11");
    }

    @Test
    void headerNotJson() throws IOException {
        assertOpenFails("{\"a\": ", 0, "header is not valid JSON");
        assertOpenFails("{} {}", 0, "header is not valid JSON", "Trailing token");
        assertOpenFails("", 0, "header is empty, expected a JSON object");
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertOpenFails("[1, 2]", 0, "header is a JSON array, expected a JSON object");
        assertOpenFails("\"x\"", 0, "header is a JSON string");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        assertOpenFails("{" + tensor("a", "\"U8\"", "[1]", "[0,1]") + ","
                + tensor("a", "\"U8\"", "[1]", "[1,2]") + "}", 2, "not valid JSON",
                "Duplicate field 'a'");
    }

    @Test
    void entryNotAnObject() throws IOException {
        assertOpenFails("{\"w\": [1, 2]}", 0,
                "tensor 'w': entry is a JSON array, expected an object with dtype");
    }

    @Test
    void dtypeMissingOrNotAString() throws IOException {
        assertOpenFails("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w': \"dtype\" is missing, expected a string");
        assertOpenFails("{" + tensor("w", "4", "[1]", "[0,4]") + "}", 4,
                "tensor 'w': \"dtype\" is a JSON number, expected a string");
    }

    @Test
    void unknownDtype() throws IOException {
        assertOpenFails("{" + tensor("w", "\"F16\"", "[1]", "[0,2]") + "}", 2,
                "tensor 'w': unsupported dtype \"F16\"; supported: F32, F64, I32, I64, U8, BF16");
        assertOpenFails("{" + tensor("w", "\"f32\"", "[1]", "[0,4]") + "}", 4,
                "unsupported dtype \"f32\"");
    }

    @Test
    void shapeMissingOrNotAnArray() throws IOException {
        assertOpenFails("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                "tensor 'w': \"shape\" is missing, expected an array");
        assertOpenFails("{" + tensor("w", "\"F32\"", "4", "[0,4]") + "}", 4,
                "tensor 'w': \"shape\" is a JSON number, expected an array");
    }

    @Test
    void negativeDimension() throws IOException {
        assertOpenFails("{" + tensor("w", "\"F32\"", "[2,-2]", "[0,16]") + "}", 16,
                "tensor 'w': shape dimension 1 is -2, expected a non-negative integer");
    }

    @Test
    void nonIntegerDimension() throws IOException {
        assertOpenFails("{" + tensor("w", "\"F32\"", "[2.5]", "[0,8]") + "}", 8,
                "tensor 'w': shape dimension 0 is 2.5, expected a non-negative integer");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[2.0]", "[0,8]") + "}", 8,
                "shape dimension 0 is 2.0");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[\"2\"]", "[0,8]") + "}", 8,
                "shape dimension 0 is \"2\"");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1e1]", "[0,40]") + "}", 40,
                "shape dimension 0 is 10.0");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[99999999999999999999]", "[0,8]") + "}", 8,
                "shape dimension 0 is 99999999999999999999");
    }

    @Test
    void offsetsMissingOrMalformed() throws IOException {
        assertOpenFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                "tensor 'w': \"data_offsets\" is missing, expected an array [begin, end]");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1]", "[0]") + "}", 4,
                "\"data_offsets\" is a JSON array, expected an array [begin, end]");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1]", "[0,4.0]") + "}", 4,
                "tensor 'w': data_offsets end is 4.0, expected a non-negative integer");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1]", "[-4,0]") + "}", 4,
                "data_offsets begin is -4");
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1]", "[0,18446744073709551620]") + "}",
                4, "data_offsets end is 18446744073709551620");
    }

    @Test
    void beginAfterEnd() throws IOException {
        assertOpenFails("{" + tensor("w", "\"F32\"", "[1]", "[8,4]") + "}", 8,
                "tensor 'w': data_offsets [8, 4] begin is after end");
    }

    @Test
    void endPastTheDataArea() throws IOException {
        assertOpenFails("{" + tensor("in.q", "\"F32\"", "[25]", "[0,100]") + "}", 64,
                "tensor 'in.q': data_offsets [0, 100] end past the data area of 64 bytes");
    }

    @Test
    void byteLengthDoesNotMatchTheShape() throws IOException {
        assertOpenFails("{" + tensor("w", "\"F64\"", "[2,3]", "[0,24]") + "}", 24,
                "tensor 'w': data_offsets [0, 24] span 24 bytes, but shape [2, 3] of F64 needs 48");
        assertOpenFails("{" + tensor("s", "\"I32\"", "[]", "[0,0]") + "}", 0,
                "shape [] of I32 needs 4");
    }

    @Test
    void tooManyElementsForAJavaArray() throws IOException {
        assertOpenFails("{" + tensor("w", "\"U8\"", "[65536,65536]", "[0,0]") + "}", 0,
                "tensor 'w': shape [65536,65536] has more elements than a Java array can hold");
        // Would overflow a long if multiplied naively.
        assertOpenFails("{" + tensor("w", "\"U8\"",
                "[4294967296,4294967296,4294967296]", "[0,0]") + "}", 0, "more elements");
        // The product is 0, but a dimension that large cannot be an int.
        assertOpenFails("{" + tensor("w", "\"U8\"", "[0,4294967296]", "[0,0]") + "}", 0,
                "more elements");
    }

    @Test
    void overlappingTensors() throws IOException {
        assertOpenFails("{" + tensor("a", "\"F32\"", "[4]", "[0,16]") + ","
                + tensor("b", "\"F32\"", "[2]", "[8,16]") + "}", 16,
                "tensor 'b': data_offsets [8, 16] overlap those of tensor 'a' [0, 16]");
        // Overlap with a tensor further back than the previous one in offset order.
        assertOpenFails("{" + tensor("a", "\"U8\"", "[10]", "[0,10]") + ","
                + tensor("b", "\"U8\"", "[2]", "[2,4]") + ","
                + tensor("c", "\"U8\"", "[2]", "[6,8]") + "}", 10, "overlap");
    }

    @Test
    void metadataMustBeAnObjectOfStrings() throws IOException {
        assertOpenFails("{\"__metadata__\":{\"format\":\"x\",\"epoch\":3}}", 0,
                "__metadata__ value of 'epoch' is a JSON number, expected a string");
        assertOpenFails("{\"__metadata__\":{\"a\":null}}", 0, "value of 'a' is a JSON null");
        assertOpenFails("{\"__metadata__\":[\"x\"]}", 0,
                "__metadata__ is a JSON array, expected an object of strings");
    }

    @Test
    void dataTruncatedInTheMiddleIsCaughtAtOpen() throws IOException {
        Path whole = dir.resolve("whole.safetensors");
        new SafetensorsWriter().add("a", new int[] {16}, new float[16])
                .add("b", new int[] {16}, new float[16]).write(whole);
        byte[] bytes = Files.readAllBytes(whole);
        long dataStart = 8 + ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] cut = Arrays.copyOf(bytes, (int) dataStart + 100);
        assertMessage(openFails(cut), NAME + ": tensor 'b': data_offsets [64, 128]",
                "end past the data area of 100 bytes (is the file truncated?)");
    }

    @Test
    void fileShrunkAfterOpeningFailsTheRead() throws IOException {
        Path file = dir.resolve("shrinks.safetensors");
        new SafetensorsWriter().add("a", new int[] {16}, new float[16]).write(file);
        try (SafetensorsFile open = SafetensorsFile.open(file)) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(Files.size(file) - 10);
            }
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> open.readFloats("a"));
            assertMessage(e, "shrinks.safetensors: file ended at byte",
                    "while reading tensor 'a'");
        }
    }

    @Test
    void unknownTensorNameListsTheNamesThereAre() throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        for (int i = 0; i < 25; i++) {
            writer.add(String.format("t%02d", i), new int[] {1}, new byte[1]);
        }
        Path file = dir.resolve("many.safetensors");
        writer.write(file);
        try (SafetensorsFile open = SafetensorsFile.open(file)) {
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> open.readFloats("missing"));
            assertMessage(e, "many.safetensors: no tensor 'missing'; the file has 't00', 't01'",
                    "'t19' and 5 more");
            assertTrue(!e.getMessage().contains("t20"), e.getMessage());
        }
        Path empty = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(empty);
        try (SafetensorsFile open = SafetensorsFile.open(empty)) {
            assertEquals(0, open.entries().size());
            assertMessage(assertThrows(SafetensorsException.class, () -> open.entry("x")),
                    "empty.safetensors: no tensor 'x'", "the file has no tensors");
        }
    }

    @Test
    void bf16IsReadAsTheUpperHalfOfAFloat() throws IOException {
        Path file = Files.write(dir.resolve("bf16.safetensors"),
                file("{" + tensor("h", "\"BF16\"", "[3]", "[0,6]") + "}", 0));
        // Append the data: 1.0 (0x3f80), -2.5 (0xc020), smallest normal (0x0080).
        Files.write(file, new byte[] {(byte) 0x80, 0x3f, 0x20, (byte) 0xc0, (byte) 0x80, 0},
                StandardOpenOption.APPEND);
        try (SafetensorsFile open = SafetensorsFile.open(file)) {
            assertEquals(DType.BF16, open.entry("h").dtype());
            float[] values = open.readFloats("h");
            assertEquals(1.0f, values[0]);
            assertEquals(-2.5f, values[1]);
            assertEquals(Float.MIN_NORMAL, values[2]);
            assertEquals(-2.5, open.readDoubles("h")[1]);
            assertEquals(6, open.readBytes("h").length);
        }
    }
}
