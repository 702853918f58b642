/**
 * The parameter store: every learnable tensor of a run, created from plugins' specs under their
 * layer's prefix and initialised deterministically from a seed.
 */
@Export
@Version("0.2.0")
package org.sparsa.core.parameter;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
