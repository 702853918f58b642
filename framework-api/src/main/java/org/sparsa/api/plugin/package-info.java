/**
 * Plugin descriptors and configuration: what every plugin service publishes so it can be listed and validated without running it.
 */
@Export
@Version("1.1.0")
package org.sparsa.api.plugin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
