/**
 * Tasks: datasets and synthetic generators of prompts with reference answers, and the metrics
 * ({@link org.sparsa.api.task.TaskScore}) a task scores completions of its examples by.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.task;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
