/**
 * The run report: {@code report.md} and its PNG plots, written into a run's folder from the
 * run's {@code metrics.jsonl} when the run ends. Internal: the bundle exports nothing.
 */
package org.sparsa.runner.internal.report;
