/**
 * Compute devices and backend choice: what OpenCL devices the machine has and which backend
 * {@code auto} picks.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.compute;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
