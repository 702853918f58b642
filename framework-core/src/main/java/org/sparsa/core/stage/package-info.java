/**
 * Training stages over the framework's model: what a stage that trains or evaluates the
 * {@link org.sparsa.core.model.LlamaModel} gets from the run ({@link TrainingContext}), the
 * settings every such stage shares ({@link StageSettings}) and where it saves and resumes
 * ({@link StageCheckpoints}). The built-in kinds {@code pretrain}, {@code sft} and {@code eval}
 * are registered from here; plugin stage kinds that train the model take the same context, and
 * presets of the built-in loop reach it through {@link TrainingStages}.
 */
@Export
@Version("0.4.0")
package org.sparsa.core.stage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
