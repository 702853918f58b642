/**
 * Tensors: float32 host arrays with a shape; the values that flow between ops.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.tensor;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
