/**
 * Policy objectives for RL: losses over a batch of rollouts (GRPO, GSPO and relatives).
 */
@Export
@Version("1.0.0")
package org.sparsa.api.policy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
