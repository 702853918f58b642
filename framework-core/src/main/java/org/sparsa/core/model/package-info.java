/**
 * The decoder language model in the Llama layout, with pluggable attention per layer and an
 * optional mixture-of-experts MLP: its configuration (readable and writable as a Hugging Face
 * {@code config.json}), the model itself over a parameter store with Hugging Face tensor names,
 * MoE routing records that a later pass can replay, and generation with per-layer caches.
 * Since 0.3.0 a layer's attention can be replaced between passes (a plugin swapped during a run).
 */
@Export
@Version("0.3.0")
package org.sparsa.core.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
