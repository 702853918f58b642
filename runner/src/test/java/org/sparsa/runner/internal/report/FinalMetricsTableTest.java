package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FinalMetricsTableTest {
    @Test
    void formatsToFourSignificantDigits() {
        assertEquals("3.142", FinalMetricsTable.format(Math.PI));
        assertEquals("0.5", FinalMetricsTable.format(0.5));
        assertEquals("1", FinalMetricsTable.format(1.0));
        assertEquals("0", FinalMetricsTable.format(0.0));
        assertEquals("1235", FinalMetricsTable.format(1234.5));
        assertEquals("123500", FinalMetricsTable.format(123456.0));
        assertEquals("-0.0001235", FinalMetricsTable.format(-0.00012345));
        assertEquals("3.000e-05", FinalMetricsTable.format(3e-5));
        assertEquals("1.235e+07", FinalMetricsTable.format(12345678.0));
        assertEquals("NaN", FinalMetricsTable.format(Double.NaN));
        assertEquals("-inf", FinalMetricsTable.format(Double.NEGATIVE_INFINITY));
    }

    @Test
    void lossLeadsAndAMetricAStageNeverLoggedIsADash() {
        List<String> table = FinalMetricsTable.markdown(List.of(
                new MetricsLine("a|b", "pretrain", 1, -1, Map.of("eval/recall", 0.5)),
                new MetricsLine("a|b", "pretrain", 2, -1, Map.of("loss", 2.0)),
                new MetricsLine("c", "", 3, 1, Map.of("loss", 1.0, "lr", 0.1))));

        assertEquals(List.of(
                "| stage | kind | steps | loss | eval/recall |",
                "| --- | --- | ---: | ---: | ---: |",
                "| a\\|b | pretrain | - | 2 | 0.5 |",
                "| c |  | 1 | 1 | - |"), table);
    }

    @Test
    void nothingLoggedIsNoTable() {
        assertEquals(List.of(), FinalMetricsTable.markdown(List.of()));
    }
}
