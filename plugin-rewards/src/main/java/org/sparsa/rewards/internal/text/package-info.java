/**
 * Linear-time text scanning shared by the rewards and the rule judge: the answer region, the
 * last boxed answer, answer trimming and comparison, exact rationals, reasoning text and script
 * words. Internal: the bundle exports nothing.
 */
package org.sparsa.rewards.internal.text;
