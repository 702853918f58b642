/**
 * The rule-based judge for rubric rewards: criteria written in a small rule language, checked
 * against the answer region of a completion. Internal: the bundle exports nothing.
 */
package org.sparsa.rewards.internal.judge;
