package org.sparsa.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.sparsa.core.verify.GoldenCase;

/**
 * Fuzzes the safetensors reader and the golden-case reader on top of it with random bytes,
 * random headers and mutations of a real golden file: every input is read in full or refused
 * with a {@link SafetensorsException} naming the file, within seconds and without running out
 * of memory.
 */
class SafetensorsFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final byte[] VALID = resource("/golden/fp8-e4m3.safetensors");
    private static final Path FILE = tempFile();

    @Property(tries = 1000)
    void randomBytesAreReadOrRefused(@ForAll @Size(max = 600) byte[] bytes) throws Exception {
        readsOrRefuses(bytes);
    }

    @Property(tries = 1000)
    void randomHeadersAreReadOrRefused(@ForAll("headers") String header,
            @ForAll @Size(max = 300) byte[] data) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json).put(data);
        readsOrRefuses(file.array());
    }

    @Property(tries = 1000)
    void mutatedFilesAreReadOrRefused(@ForAll("mutated") byte[] bytes) throws Exception {
        readsOrRefuses(bytes);
    }

    @Property(tries = 1000)
    void mutatedGoldenCasesAreReadOrRefused(@ForAll("mutated") byte[] bytes) throws Exception {
        Files.write(FILE, bytes);
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                GoldenCase.read(FILE);
            } catch (SafetensorsException e) {
                clear(e);
            }
        });
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 6))
                .as((seed, edits) -> ByteMutations.mutate(VALID, seed, edits));
    }

    /** Headers of one or two tensors with values from plausible to absurd. */
    @Provide
    Arbitrary<String> headers() {
        Arbitrary<String> dtype = Arbitraries.of("F32", "F16", "BF16", "F64", "I64", "I32",
                "U8", "BOOL", "F8_E4M3", "X", "");
        Arbitrary<Long> number = Arbitraries.oneOf(Arbitraries.longs().between(-2, 400),
                Arbitraries.longs(), Arbitraries.of(Long.MAX_VALUE, (long) Integer.MAX_VALUE,
                        1L << 31, 1L << 32, -1L));
        Arbitrary<String> shape = number.list().ofMaxSize(4)
                .map(dims -> dims.toString().replace(" ", ""));
        Arbitrary<String> tensor = Combinators.combine(dtype, shape, number, number)
                .as((d, s, begin, end) -> "{\"dtype\":\"" + d + "\",\"shape\":" + s
                        + ",\"data_offsets\":[" + begin + "," + end + "]}");
        Arbitrary<String> metadata = Arbitraries.of("", "\"__metadata__\":{\"a\":\"b\"},",
                "\"__metadata__\":{\"a\":1},", "\"__metadata__\":null,", "\"__metadata__\":[],");
        return Combinators.combine(metadata, tensor, tensor, Arbitraries.integers().between(0, 3))
                .as((m, a, b, form) -> switch (form) {
                    case 0 -> "{" + m + "\"a\":" + a + "}";
                    case 1 -> "{" + m + "\"a\":" + a + ",\"b\":" + b + "}";
                    case 2 -> "{" + m + "\"a\":" + a + ",\"a\":" + b + "}";
                    default -> "{" + m + "\"a\":" + a;
                });
    }

    private static void readsOrRefuses(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SafetensorsFile file = SafetensorsFile.open(FILE)) {
                for (TensorEntry entry : file.entries()) {
                    file.readBytes(entry.name());
                    switch (entry.dtype()) {
                        case F32, F64, BF16 -> file.readFloats(entry.name());
                        default -> file.readLongs(entry.name());
                    }
                }
                file.metadata();
            } catch (SafetensorsException e) {
                clear(e);
            }
        });
    }

    /** A refusal must say which file and what was wrong with it. */
    private static void clear(SafetensorsException e) {
        String message = String.valueOf(e.getMessage());
        String name = FILE.getFileName().toString();
        assertTrue(message.startsWith(name + ": ") && message.length() > name.length() + 10,
                message);
    }

    private static byte[] resource(String name) {
        try (InputStream in = SafetensorsFuzzTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(name, e);
        }
    }

    private static Path tempFile() {
        try {
            Path file = Files.createTempFile("sparsa-fuzz", ".safetensors");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
