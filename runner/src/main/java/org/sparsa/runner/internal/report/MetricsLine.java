package org.sparsa.runner.internal.report;

import java.util.Map;

/**
 * One line of {@code metrics.jsonl} that carries metrics: where in the run it was logged and
 * its numeric values by key ({@code loss}, {@code lr}, {@code eval/recall}, ...).
 *
 * @param stage the stage's name
 * @param kind the stage's kind; empty when the line does not say
 * @param step the global step, counted over the whole run
 * @param stageStep the step within the stage, or -1 when the line does not say
 * @param values the numeric metrics in the order the line lists them
 */
public record MetricsLine(String stage, String kind, long step, long stageStep,
        Map<String, Double> values) {
    /** Keys that evaluation metrics start with. */
    public static final String EVAL_PREFIX = "eval/";
    /** Keys that the attention layers' auxiliary losses start with. */
    public static final String AUX_PREFIX = "aux/";
}
