package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model × task table of the report, from score/{model}/{task}/{metric} metrics. */
class ScoreTableTest {

    private static MetricsLine line(long step, Map<String, Double> values) {
        return new MetricsLine("generalist", "distill", step, step, values);
    }

    @Test
    void oneRowPerModelOneColumnPerTaskAndMetricLossesLast() {
        Map<String, Double> first = new LinkedHashMap<>();
        first.put("loss", 2.0);
        first.put("score/spec-arith/arithmetic/exact_match", 0.5);
        first.put("score/spec-arith/arithmetic/loss", 1.25);
        first.put("score/spec-arith/mqar/recall", 0.1);
        Map<String, Double> second = new LinkedHashMap<>();
        second.put("score/generalist/arithmetic/exact_match", 0.375);
        second.put("score/generalist/mqar/recall", 0.75);
        // A later value of the same cell wins.
        second.put("score/spec-arith/mqar/recall", 0.125);
        assertEquals(List.of(
                "| model | arithmetic exact_match | mqar recall | arithmetic loss |",
                "| --- | ---: | ---: | ---: |",
                "| spec-arith | 0.5 | 0.125 | 1.25 |",
                "| generalist | 0.375 | 0.75 | - |"),
                ScoreTable.markdown(List.of(line(1, first), line(2, second))));
    }

    @Test
    void noScoresNoTable() {
        assertEquals(List.of(), ScoreTable.markdown(List.of(line(1, Map.of("loss", 1.0,
                "score/malformed", 2.0)))));
    }
}
