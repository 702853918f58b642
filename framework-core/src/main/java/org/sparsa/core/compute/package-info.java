/**
 * Compute devices and backend choice: what OpenCL devices the machine has, which backend
 * {@code auto} picks, and the per-machine {@link org.sparsa.core.compute.Calibration} it picks
 * from per op family once one has been measured.
 */
@Export
@Version("0.2.0")
package org.sparsa.core.compute;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
