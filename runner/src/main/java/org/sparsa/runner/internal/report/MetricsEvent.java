package org.sparsa.runner.internal.report;

import java.util.Map;

/**
 * One event line of {@code metrics.jsonl}: something that happened at a point of the run
 * rather than a measurement ({@code resume}, {@code plugin_swap}, {@code swap_refused}).
 *
 * @param event the event's name
 * @param step the run step after which it happened
 * @param fields what the event concerns ({@code plugin}, {@code from}, {@code to},
 *     {@code reason}, ...), each as text, in the line's order
 */
public record MetricsEvent(String event, long step, Map<String, String> fields) {
    /** A plugin revision that took over during the run. */
    public static final String PLUGIN_SWAP = "plugin_swap";
    /** A plugin revision the run refused, keeping the one it had. */
    public static final String SWAP_REFUSED = "swap_refused";

    /** The field {@code name}, or {@code "?"} when the line lacks it. */
    public String field(String name) {
        return fields.getOrDefault(name, "?");
    }
}
