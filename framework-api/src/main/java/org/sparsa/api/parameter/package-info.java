/**
 * Parameters: learnable tensors owned by the framework and declared by plugins through specs.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.parameter;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
