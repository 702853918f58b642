/**
 * Stage kinds: the steps of a recipe (pre-training, distillation, RL and what plugins add).
 */
@Export
@Version("1.1.0")
package org.sparsa.api.stage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
