/**
 * Reading and writing tensors in the Hugging Face safetensors format, with strict bounds checks.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.safetensors;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
