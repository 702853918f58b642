package org.sparsa.grpo.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How one scalar reward per completion becomes its advantage, within its prompt group
 * ({@code specs/policy.md}). Computed in float64 without gradient: rewards are data.
 */
enum AdvantageEstimator {
    /**
     * GRPO, R1: {@code (R - mean) / (std + eps)}, std with Bessel's correction; a group of one
     * has std 1 (and so advantage 0), a group of equal rewards with eps 0 advantage 0.
     */
    GROUP_STD,
    /** Dr. GRPO, DeepSeek-V3.2: {@code R - mean}, no division. */
    GROUP_MEAN;

    /** The name recipes use ({@code group_std}). */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The advantage of each completion.
     *
     * @param rewards one reward per completion
     * @param groupIds the prompt group of each completion, any ids in any order
     * @param eps added to the std ({@link #GROUP_STD} only)
     */
    double[] estimate(float[] rewards, int[] groupIds, double eps) {
        if (rewards.length != groupIds.length) {
            throw new IllegalArgumentException("advantages: " + rewards.length + " rewards but "
                    + groupIds.length + " group ids");
        }
        // Sums in completion order, so the result does not depend on how groups interleave.
        Map<Integer, double[]> sums = new LinkedHashMap<>();
        for (int i = 0; i < rewards.length; i++) {
            double[] s = sums.computeIfAbsent(groupIds[i], g -> new double[2]);
            s[0] += rewards[i];
            s[1] += 1;
        }
        Map<Integer, Double> squares = new LinkedHashMap<>();
        for (int i = 0; i < rewards.length; i++) {
            double[] s = sums.get(groupIds[i]);
            double centred = rewards[i] - s[0] / s[1];
            squares.merge(groupIds[i], centred * centred, Double::sum);
        }
        double[] advantages = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            double[] s = sums.get(groupIds[i]);
            double centred = rewards[i] - s[0] / s[1];
            if (this == GROUP_MEAN) {
                advantages[i] = centred;
            } else {
                double std = s[1] > 1 ? Math.sqrt(squares.get(groupIds[i]) / (s[1] - 1)) : 1;
                // Equal rewards with eps 0 would give 0 / 0: the group carries no signal.
                advantages[i] = std + eps > 0 ? centred / (std + eps) : 0;
            }
        }
        return advantages;
    }
}
