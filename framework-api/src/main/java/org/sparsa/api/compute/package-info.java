/**
 * Compute backends and the devices they run on.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.compute;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
