/**
 * The GRPO family of policy objectives ({@code specs/policy.md}): one composable clipped
 * surrogate ({@link PolicyObjectiveConfig}, computed by {@link ClippedPolicyLoss}) offered as the
 * presets {@code grpo}, {@code dr_grpo}, {@code dapo}, {@code gspo} and {@code v32}
 * ({@link Preset}), Keep Sampling Mask log-probabilities ({@link KeepSamplingMask}), and the
 * {@code policy.loss} and {@code policy.masked_logprobs} golden ops. Internal: the bundle offers
 * the objectives only as services.
 */
package org.sparsa.grpo.internal;
