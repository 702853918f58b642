package org.sparsa.runner.internal.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GrowthExponentTest {

    private static Measurement attention(String plugin, int length, double fwd, double fwdBwd) {
        return Measurement.of("attention", "java").with(Measurement.PLUGIN, plugin)
                .with("T", length).with("fwd_seconds", fwd).with("fwd_bwd_seconds", fwdBwd);
    }

    @Test
    void quadraticAndLinearCostsHaveSlopesTwoAndOne() {
        List<Measurement> measurements = List.of(
                attention("full", 1024, 0.02, 0.06),
                attention("full", 4096, 0.32, 0.96),
                attention("full", 16384, 5.12, 15.36),
                attention("nsa", 1024, 0.1, 0.3),
                attention("nsa", 4096, 0.4, 1.2),
                // A slope is fitted only where there are two lengths.
                attention("dsa", 1024, 1, 2),
                Measurement.of("gemm", "java").with("n", 512).with("seconds", 0.01));
        Map<String, Map<String, Double>> growth = GrowthExponent.of(measurements);
        assertEquals(2.0, growth.get("full").get("fwd_seconds"), 1e-12);
        assertEquals(2.0, growth.get("full").get("fwd_bwd_seconds"), 1e-12);
        assertEquals(1.0, growth.get("nsa").get("fwd_seconds"), 1e-12);
        assertFalse(growth.containsKey("dsa"));
        assertEquals(List.of("full", "nsa"), List.copyOf(growth.keySet()));
    }

    @Test
    void theSlopeIsTheLeastSquaresFitOnLogLogAxes() {
        // log x = 0, 1, 2, 3 and log y = 0, 1, 2.5, 3: centred, dx = -1.5, -0.5, 0.5, 1.5 and
        // dy = -1.625, -0.625, 0.875, 1.375, so the slope is sum(dx dy) / sum(dx^2) = 5.25 / 5.
        TreeMap<Double, Double> series = new TreeMap<>();
        double[] logY = {0, 1, 2.5, 3};
        for (int i = 0; i < logY.length; i++) {
            series.put(Math.exp(i), Math.exp(logY[i]));
        }
        assertEquals(1.05, GrowthExponent.slope(series), 1e-12);
    }
}
