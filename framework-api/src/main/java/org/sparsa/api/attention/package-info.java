/**
 * Attention variants: per-layer attention with prefill, decode and optional auxiliary losses.
 */
@Export
@Version("1.1.0")
package org.sparsa.api.attention;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
