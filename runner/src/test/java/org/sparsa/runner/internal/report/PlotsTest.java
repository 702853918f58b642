package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class PlotsTest {
    @Test
    void lossHasASeriesPerStageAndEvaluationASeriesPerMetric() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("pretrain", 1, Map.of("loss", 4.0)),
                line("pretrain", 2, Map.of("loss", 3.0)),
                line("pretrain", 2, values("eval/recall", 0.25, "eval/exact_match", 0.0)),
                line("sft", 3, Map.of("loss", 2.0)),
                line("sft", 3, values("eval/recall", 0.5, "eval/exact_match", 1.0))));

        assertEquals(List.of("loss.png", "eval.png"),
                plots.stream().map(Plots.Plot::fileName).toList());
        XYChart loss = plots.get(0).chart();
        assertEquals("step", loss.getXAxisTitle());
        assertEquals("loss", loss.getYAxisTitle());
        assertEquals(List.of("pretrain", "sft"), List.copyOf(loss.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {1, 2}, series(loss, "pretrain").getXData());
        assertArrayEquals(new double[] {4, 3}, series(loss, "pretrain").getYData());

        XYChart eval = plots.get(1).chart();
        assertEquals(List.of("eval/recall", "eval/exact_match"),
                List.copyOf(eval.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {2, 3}, series(eval, "eval/recall").getXData());
        assertEquals(0.0, eval.getStyler().getYAxisMin());
        assertEquals(1.0, eval.getStyler().getYAxisMax());
    }

    @Test
    void everyChartMarksEachPluginSwapAtItsStep() {
        List<MetricsLine> lines = List.of(
                line("pretrain", 1, values("loss", 4.0, "lr", 1e-3)),
                line("pretrain", 2, values("loss", 3.0, "lr", 1e-3)),
                line("pretrain", 3, values("loss", 2.0, "lr", 1e-3)));
        List<MetricsEvent> events = List.of(
                new MetricsEvent("resume", 1, Map.of()),
                new MetricsEvent(MetricsEvent.SWAP_REFUSED, 1, Map.of("plugin", "dsa",
                        "from", "1.0.0", "to", "1.1.0", "reason", "mismatch")),
                new MetricsEvent(MetricsEvent.PLUGIN_SWAP, 2, Map.of("plugin", "dsa",
                        "from", "1.0.0", "to", "1.2.0")));
        List<Plots.Plot> plots = Plots.of(lines, events);
        assertEquals(List.of("loss.png", "lr.png"),
                plots.stream().map(Plots.Plot::fileName).toList());
        for (Plots.Plot plot : plots) {
            assertEquals(List.of("swap dsa 1.0.0\u21921.2.0"), plot.marks(), plot.fileName());
        }
        assertEquals(List.of(), Plots.of(lines).get(0).marks());
    }

    @Test
    void rlStagesGetARewardChartWithoutTheSpread() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("rl", 1, values("reward/mean", 0.25, "reward/std", 0.4, "accuracy",
                        0.125)),
                line("rl", 2, values("reward/mean", 0.5, "reward/accuracy", 0.5))));
        Plots.Plot rewards = plots.stream().filter(p -> p.fileName().equals("rewards.png"))
                .findFirst().orElseThrow();
        XYChart chart = rewards.chart();
        assertEquals(List.of("rl: reward/mean", "rl: accuracy", "rl: reward/accuracy"),
                List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {0.25, 0.5}, series(chart, "rl: reward/mean").getYData());
        assertEquals(1.0, chart.getStyler().getYAxisMax());
    }

    @Test
    void evaluationValuesOutsideTheUnitRangeKeepAFreeAxis() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("s", 1, values("eval/perplexity", 12.5)),
                line("s", 2, values("eval/perplexity", 8.0))));

        XYChart eval = plots.get(0).chart();
        assertEquals("eval/perplexity", eval.getYAxisTitle());
        assertNull(eval.getStyler().getYAxisMin());
        assertNull(eval.getStyler().getYAxisMax());
    }

    @Test
    void aStepLoggedAgainAfterAResumeReplacesTheEarlierPoint() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("s", 1, Map.of("loss", 4.0)),
                line("s", 2, Map.of("loss", 3.0)),
                line("s", 3, Map.of("loss", 9.0)),
                line("s", 2, Map.of("loss", 3.5)),
                line("s", 3, Map.of("loss", 2.5))));

        XYSeries loss = series(plots.get(0).chart(), "s");
        assertArrayEquals(new double[] {1, 2, 3}, loss.getXData());
        assertArrayEquals(new double[] {4, 3.5, 2.5}, loss.getYData());
    }

    @Test
    void nonFinitePointsAreLeftOffAndAChartWithoutPointsIsLeftOut() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("s", 1, Map.of("loss", 4.0, "lr", Double.NaN)),
                line("s", 2, Map.of("loss", Double.POSITIVE_INFINITY))));

        assertEquals(List.of("loss.png"), plots.stream().map(Plots.Plot::fileName).toList());
        assertArrayEquals(new double[] {1}, series(plots.get(0).chart(), "s").getXData());
    }

    @Test
    void smallValuesAreDrawnScaledAndTheAxisSaysBy() {
        List<Plots.Plot> plots = Plots.of(List.of(
                line("s", 1, Map.of("lr", 0.0001)),
                line("s", 2, Map.of("lr", 0.0003))));

        XYChart lr = plots.get(0).chart();
        assertEquals("lr.png", plots.get(0).fileName());
        assertEquals("lr (\u00d71e-4)", lr.getYAxisTitle());
        double[] y = series(lr, "s").getYData();
        assertEquals(1.0, y[0], 1e-12);
        assertEquals(3.0, y[1], 1e-12);
    }

    @Test
    void nothingLoggedDrawsNothing() {
        assertEquals(List.of(), Plots.of(List.of()));
    }

    private static XYSeries series(XYChart chart, String name) {
        return chart.getSeriesMap().get(name);
    }

    private static MetricsLine line(String stage, long step, Map<String, Double> values) {
        return new MetricsLine(stage, "pretrain", step, step, values);
    }

    /** Values in the order given, as a log line lists them. */
    private static Map<String, Double> values(Object... keysAndValues) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], (Double) keysAndValues[i + 1]);
        }
        return values;
    }
}
