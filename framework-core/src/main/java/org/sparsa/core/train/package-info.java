/**
 * Training machinery over a parameter store: the AdamW optimiser, gradient clipping by global
 * norm, learning-rate schedules and one optimiser step over accumulated micro-batches. Every sum
 * runs in a fixed order, so a run is reproducible bit for bit.
 */
@Export
@Version("0.3.0")
package org.sparsa.core.train;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
