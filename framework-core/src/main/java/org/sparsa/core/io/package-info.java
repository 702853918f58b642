/**
 * Reads of files that come from outside the run (recipes, checkpoints' JSON, task data,
 * tokenizers) with a size limit each, so that no input, however large or damaged, can exhaust
 * the memory of the process reading it.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.io;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
