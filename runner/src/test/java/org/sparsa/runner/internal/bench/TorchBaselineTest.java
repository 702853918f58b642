package org.sparsa.runner.internal.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchBaselineTest {
    private static final List<String> OUTPUT = List.of(
            "{\"bench\": \"gemm\", \"n\": 512, \"seconds\": 0.004, \"gflops\": 67.1}",
            "{\"bench\": \"attention\", \"T\": 1024, \"H\": 4, \"D\": 64, "
                    + "\"fwd_seconds\": 0.03, \"fwd_bwd_seconds\": 0.09}",
            "{\"bench\": \"train\", \"T\": 1024, \"layers\": 4, \"dim\": 256, "
                    + "\"seconds_per_step\": 0.5, \"tokens_per_second\": 2048, "
                    + "\"params\": 3541248}",
            "{\"bench\": \"decode\", \"prompt\": 16, \"new_tokens\": 512, \"seconds\": 2.0, "
                    + "\"tokens_per_second\": 256}");

    @Test
    void joinsEachWorkloadBySizeAndEveryPluginWithTheBaselinesAttention() {
        TorchBaseline baseline = TorchBaseline.parse(OUTPUT, "test");
        Measurement gemm = Measurement.of("gemm", "java").with("n", 512).with("seconds", 0.008);
        assertEquals(0.5, TorchBaseline.speedRatio(gemm, baseline.match(gemm).orElseThrow(),
                "seconds"), 1e-12, "half as fast as the baseline");
        Measurement nsa = Measurement.of("attention", "java").with(Measurement.PLUGIN, "nsa")
                .with("T", 1024).with("fwd_seconds", 0.01);
        Map<String, Object> line = baseline.match(nsa).orElseThrow();
        assertEquals(3.0, TorchBaseline.speedRatio(nsa, line, "fwd_seconds"), 1e-12);
        assertNull(TorchBaseline.speedRatio(nsa, line, "fwd_bwd_seconds"),
                "no backward was timed");
        assertTrue(baseline.match(nsa.with("T", 2048)).isEmpty());
        Measurement train = Measurement.of("train", "java").with("T", 1024)
                .with("seconds_per_step", 1.0);
        assertEquals(0.5, baseline.match(train).orElseThrow().get("seconds_per_step"));
        Measurement decode = Measurement.of("decode", "java").with("prompt", 16)
                .with("new_tokens", 512).with("seconds", 1.0);
        assertEquals(2.0, TorchBaseline.speedRatio(decode, baseline.match(decode)
                .orElseThrow(), "seconds"), 1e-12);
    }

    @Test
    void aLineThatIsNotAMeasurementIsNamedByFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("torch.jsonl");
        Files.writeString(file, "Warning: no GPU\n" + OUTPUT.get(0) + "\n{\"n\": 3}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchBaseline.read(file));
        assertEquals(file + ":3: expected a 'bench' field naming the workload, found {\"n\": 3}",
                e.getMessage());

        Files.writeString(file, "{\"bench\": \"gemm\", \n");
        e = assertThrows(IllegalArgumentException.class, () -> TorchBaseline.read(file));
        assertTrue(e.getMessage().startsWith(file + ":1: not a JSON object"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> TorchBaseline.read(dir.resolve("missing.jsonl")));
        assertEquals("--compare " + dir.resolve("missing.jsonl") + ": no such file",
                e.getMessage());
    }
}
