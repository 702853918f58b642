/**
 * Autograd: variables that carry gradients and custom differentiable functions.
 */
@Export
@Version("1.2.0")
package org.sparsa.api.autograd;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
