/**
 * Tasks: datasets and synthetic generators of prompts with reference answers, and the metrics
 * ({@link org.sparsa.api.task.TaskScore}) a task scores completions of its examples by, and the
 * grid layout of an evaluation set ({@link org.sparsa.api.task.EvaluationGrid}) when it has one.
 */
@Export
@Version("1.1.0")
package org.sparsa.api.task;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
