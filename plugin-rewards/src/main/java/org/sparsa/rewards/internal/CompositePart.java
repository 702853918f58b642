package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardFunction;

/**
 * One part of a composite reward.
 *
 * @param name the unique name its value is reported under
 * @param weight its factor in the composite's weighted sum
 * @param function the configured reward
 */
record CompositePart(String name, double weight, RewardFunction function) {
}
