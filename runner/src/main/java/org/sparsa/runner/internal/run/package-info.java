/**
 * A training run: the Guice wiring of a validated recipe into a model, task and stages
 * ({@link org.sparsa.runner.internal.run.RunModule}), the stage loop with checkpoints and
 * resumption ({@link org.sparsa.runner.internal.run.TrainingRun}), and what it writes to the
 * run folder as it goes: {@code metrics.jsonl}, {@code run.log}, {@code result.json}.
 */
package org.sparsa.runner.internal.run;
