/**
 * Tasks: datasets and synthetic generators of prompts with reference answers.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.task;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
