/**
 * The framework's tensor: contiguous float32 host arrays with a shape, and shape arithmetic.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
