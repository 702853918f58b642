package org.sparsa.core.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.TensorEntry;

/** The {@code quant.fp8_e4m3} golden case, computed independently in float64. */
class Fp8E4m3GoldenTest {

    @Test
    void matchesTheGoldenCase(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("fp8-e4m3.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/fp8-e4m3.safetensors")) {
            Files.copy(in, file);
        }
        try (SafetensorsFile golden = SafetensorsFile.open(file)) {
            assertEquals("quant.fp8_e4m3", golden.metadata().get("op"));
            ObjectMapper json = new ObjectMapper();
            JsonNode config = json.readTree(golden.metadata().get("config"));
            JsonNode tolerance = json.readTree(golden.metadata().get("tolerance"));
            double atol = tolerance.get("atol").asDouble();
            double rtol = tolerance.get("rtol").asDouble();

            TensorEntry x = golden.entry("in.x");
            int rows = x.shape()[0];
            int columns = x.shape()[1];
            int group = config.get("group").asInt();
            float[] y = new float[rows * columns];
            float[] scales = new float[rows * (columns / group)];
            Fp8E4m3.quantizeDequantize(golden.readFloats("in.x"), rows, columns, group,
                    config.get("pow2_scale").asBoolean(), y, scales);

            assertClose("out.y", golden.readFloats("out.y"), y, atol, rtol);
            assertClose("out.scale", golden.readFloats("out.scale"), scales, atol, rtol);
        }
    }

    private static void assertClose(String name, float[] want, float[] got, double atol,
            double rtol) {
        assertEquals(want.length, got.length, name);
        for (int i = 0; i < want.length; i++) {
            double error = Math.abs(got[i] - want[i]);
            int at = i;
            assertTrue(error <= atol + rtol * Math.abs(want[i]),
                    () -> name + "[" + at + "]: want " + want[at] + ", got " + got[at]);
        }
    }
}
