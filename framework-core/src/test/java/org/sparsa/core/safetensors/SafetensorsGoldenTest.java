package org.sparsa.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the golden files shipped in the test resources. The expected values were computed
 * independently of this reader, with a few lines of Python using only {@code struct} and
 * {@code json}: unpack the header length with {@code '<Q'}, parse the header, unpack the tensor's
 * bytes with {@code '<%df'}, and print {@code repr()} of the values (sums in float64).
 */
class SafetensorsGoldenTest {
    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/golden/" + name)) {
            assertNotNull(in, name);
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void readsTheGqaAttentionCase() throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(resource("full-gqa.safetensors"))) {
            assertEquals(Map.of(
                    "format", "sparsa-golden/1",
                    "op", "attention.full",
                    "config", "{\"window\": 0}",
                    "tolerance", "{\"atol\": 0.0001, \"rtol\": 0.001}",
                    "description", "causal GQA attention T=37 Hq=4 Hkv=2 D=16 window=0"),
                    file.metadata());
            assertEquals(List.of("dout.o", "grad.k", "grad.q", "grad.v", "in.k", "in.q", "in.v",
                    "out.o"), file.entries().stream().map(TensorEntry::name).toList());

            TensorEntry q = file.entry("in.q");
            assertEquals(DType.F32, q.dtype());
            assertArrayEquals(new int[] {37, 4, 16}, q.shape());
            assertEquals(37 * 4 * 16, q.elementCount());
            assertEquals(new TensorEntry("in.q", DType.F32, new int[] {37, 4, 16}, 33152, 42624), q);
            assertArrayEquals(new int[] {37, 2, 16}, file.entry("in.k").shape());
            assertArrayEquals(new int[] {37, 2, 16}, file.entry("grad.v").shape());

            float[] values = file.readFloats("in.q");
            assertEquals(37 * 4 * 16, values.length);
            // Python: 0.2783798575401306 (bits 3e8e87ce) and -0.5352630019187927 (bf0906ff).
            assertEquals(0x3e8e87ce, Float.floatToRawIntBits(values[0]));
            assertEquals(0xbf0906ff, Float.floatToRawIntBits(values[values.length - 1]));
            assertEquals(0.2783798575401306, file.readDoubles("in.q")[0]);

            float[] k = file.readFloats("in.k");
            assertEquals(-0.23819833993911743, k[0]);
            assertEquals(-0.3935411274433136, k[k.length - 1]);

            double sum = 0;
            for (float v : file.readFloats("out.o")) {
                sum += v;
            }
            // Python: sum of the float32 values in float64 order is 130.60940304589167.
            assertEquals(130.60940304589167, sum, 1e-9);
        }
    }

    @Test
    void readsTheFp8QuantisationCase() throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(resource("fp8-e4m3.safetensors"))) {
            assertEquals("sparsa-golden/1", file.metadata().get("format"));
            assertEquals("quant.fp8_e4m3", file.metadata().get("op"));
            assertEquals("{\"group\": 128, \"pow2_scale\": true}", file.metadata().get("config"));
            assertEquals("{\"atol\": 0.0, \"rtol\": 1e-06}", file.metadata().get("tolerance"));
            assertEquals(List.of("in.x", "out.scale", "out.y"),
                    file.entries().stream().map(TensorEntry::name).toList());
            assertArrayEquals(new int[] {8, 256}, file.entry("in.x").shape());
            assertArrayEquals(new int[] {8, 2}, file.entry("out.scale").shape());

            // Python: the 16 power-of-two scales, row by row.
            assertArrayEquals(new float[] {7.62939453125e-06f, 7.62939453125e-06f,
                    6.103515625e-05f, 6.103515625e-05f, 0.000244140625f, 0.000244140625f,
                    0.0009765625f, 0.0009765625f, 0.0078125f, 0.00390625f, 0.03125f, 0.03125f,
                    0.125f, 0.125f, 1.0f, 1.0f}, file.readFloats("out.scale"));
            float[] x = file.readFloats("in.x");
            float[] y = file.readFloats("out.y");
            assertEquals(0.0019249118631705642, x[0]);
            assertEquals(-79.36239624023438, x[x.length - 1]);
            assertEquals(0.001953125f, y[0]);
            assertEquals(-80.0f, y[y.length - 1]);
        }
    }
}
