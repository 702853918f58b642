package org.sparsa.core.model;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How the next token is picked from a row of logits: greedy (temperature 0), or drawn from the
 * softmax of {@code logits / temperature}, optionally truncated to the {@code topK} most likely
 * tokens and then to the smallest most-likely set whose probability reaches {@code topP}, and
 * renormalised over what is kept.
 *
 * <p>Deterministic: probabilities are computed in double in a fixed order, ties go to the lower
 * token id, and each draw takes exactly one {@code nextDouble()} from the generator (greedy
 * takes none), so a seeded generator reproduces a run.
 *
 * @param temperature 0 for greedy, otherwise the divisor of the logits (> 0)
 * @param topK tokens kept by top-k truncation; 0 for no top-k
 * @param topP probability mass kept by nucleus truncation, in (0, 1]; 1 for no top-p
 */
public record Sampler(double temperature, int topK, double topP) {
    public Sampler {
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("sampler: temperature must be a finite number "
                    + ">= 0 (0 is greedy), found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("sampler: top_k must be >= 0 (0 keeps every "
                    + "token), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("sampler: top_p must be in (0, 1] (1 keeps every "
                    + "token), found " + topP);
        }
    }

    /** The most likely token, every time. */
    public static Sampler greedy() {
        return new Sampler(0, 0, 1);
    }

    /** Plain sampling at {@code temperature}, no truncation. */
    public static Sampler temperature(double temperature) {
        return new Sampler(temperature, 0, 1);
    }

    /** Whether this sampler draws only from a subset of the vocabulary. */
    public boolean truncates() {
        return temperature > 0 && (topK > 0 || topP < 1);
    }

    /**
     * What one pick gave.
     *
     * @param token the chosen id
     * @param logProb the token's log-probability under the model, {@code log_softmax(logits)}
     * @param samplerLogProb its log-probability under the distribution it was drawn from
     *     (temperature and truncation applied); 0 for greedy
     * @param kept the ids a truncating sampler kept, ascending; null when it keeps every token
     *     or is greedy
     */
    public record Pick(int token, double logProb, double samplerLogProb, int[] kept) {
    }

    /** Picks a token from {@code logits [V]}, drawing from {@code random} unless greedy. */
    public Pick pick(float[] logits, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        int vocab = logits.length;
        if (vocab == 0) {
            throw new IllegalArgumentException("sampler: empty logits");
        }
        double[] logProbs = logSoftmax(logits, 1);
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                best = logits[i] > logits[best] ? i : best;
            }
            return new Pick(best, logProbs[best], 0, null);
        }
        double[] scaled = logSoftmax(logits, temperature);
        // Token ids by falling probability; the stable sort keeps equal ones in id order.
        Integer[] order = new Integer[vocab];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(scaled[b], scaled[a]));
        int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += Math.exp(scaled[order[i]]);
        }
        if (topP < 1) {
            // Nucleus over what top-k kept, renormalised, as the usual warpers chain them.
            double mass = 0;
            int n = 0;
            while (n < keep && mass < topP * kept) {
                mass += Math.exp(scaled[order[n]]);
                n++;
            }
            keep = Math.max(n, 1);
            kept = mass > 0 ? mass : Math.exp(scaled[order[0]]);
        }
        double u = random.nextDouble() * kept;
        int token = order[keep - 1];
        double cumulative = 0;
        for (int i = 0; i < keep; i++) {
            cumulative += Math.exp(scaled[order[i]]);
            if (u < cumulative) {
                token = order[i];
                break;
            }
        }
        int[] ids = null;
        if (keep < vocab) {
            ids = new int[keep];
            for (int i = 0; i < keep; i++) {
                ids[i] = order[i];
            }
            Arrays.sort(ids);
        }
        return new Pick(token, logProbs[token], scaled[token] - Math.log(kept), ids);
    }

    /** {@code log_softmax(logits / temperature)} in double, summed in id order. */
    private static double[] logSoftmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l / temperature - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] / temperature - log;
        }
        return out;
    }
}
