/**
 * Reverse-mode automatic differentiation: {@link org.sparsa.core.autograd.Autograd}, the op set
 * of the API bound to one compute backend.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.autograd;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
