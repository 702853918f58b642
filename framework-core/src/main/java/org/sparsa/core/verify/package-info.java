/**
 * Golden cases: reference vectors in safetensors files (format {@code sparsa-golden/1}), the
 * ops that reproduce them, registered as {@link org.sparsa.core.verify.GoldenOp} services, and
 * the comparison that says PASS or FAIL per output and gradient.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.verify;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
