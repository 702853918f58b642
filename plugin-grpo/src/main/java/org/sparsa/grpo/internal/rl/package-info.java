/**
 * The {@code rl} stage kind: GRPO-family reinforcement learning on the run's model, with the
 * DeepSeek-V3.2 stabilisers (Keep Sampling Mask, Keep Routing, off-policy sequence masking).
 * Internal: the bundle offers the stage only as a service.
 */
package org.sparsa.grpo.internal.rl;
