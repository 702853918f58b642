/**
 * Training checkpoints in a run folder: weights as a Hugging Face compatible safetensors file
 * beside the model's {@code config.json}, the optimiser state, and the trainer's step, data
 * position and random-stream states, written atomically so that a crash never leaves a
 * half-written checkpoint as the latest, and read back so that a resumed run continues bit for
 * bit.
 */
@Export
@Version("0.1.0")
package org.sparsa.core.checkpoint;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
