/**
 * The rule-based reward models, each a Declarative Services component registered as a
 * {@link org.sparsa.api.reward.RewardModel} and described by
 * {@link org.sparsa.api.plugin.PluginInfo}. Internal: the bundle exports nothing and offers its
 * rewards only as services.
 */
package org.sparsa.rewards.internal;
