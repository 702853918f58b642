/**
 * Reward models: score completions (alone or per group) and report every named component.
 */
@Export
@Version("1.0.0")
package org.sparsa.api.reward;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
