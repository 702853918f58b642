/** Simulated low-precision formats: quantise-dequantise in float32, as the spec defines them. */
@Export
@Version("0.1.0")
package org.sparsa.core.quant;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
