package org.sparsa.grpo.internal.rl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.policy.PolicyLoss;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.model.Routing;

/**
 * The loss of one minibatch of whole rollout groups: the training pass over each group
 * ({@link PolicyLogProbs}), the policy objective over all of them (advantages within each
 * group, ratios against the sampler's log-probabilities), and the measurements the objective
 * does not make: {@code entropy} (mean over counted tokens of the trained distribution's
 * entropy, temperature applied), {@code kept_mass} (mean probability mass, under that
 * distribution, of the tokens the sampler kept: the IS ratio to expect without Keep Sampling
 * Mask), {@code routing_agreement} (MoE models: mean over counted tokens and MoE layers of the
 * share of the sampling-time experts the training pass used) and {@code kl} (a k3 estimate
 * against the reference when the objective has no KL term to report it).
 */
final class PolicyUpdate {
    private final PolicyLogProbs passes;
    private final PolicyLoss loss;

    PolicyUpdate(PolicyLogProbs passes, PolicyLoss loss) {
        this.passes = passes;
        this.loss = loss;
    }

    /**
     * One minibatch's outcome.
     *
     * @param loss the objective's value, with gradient
     * @param result what the objective gave (advantages, keep mask, its metrics)
     * @param logProbs the current log-probabilities' values [B * width]
     * @param oldLogProbs the sampler's [B * width]
     * @param mask the counted tokens [B * width]
     * @param metrics the objective's metrics and this class's measurements
     */
    record Outcome(Variable loss, PolicyLossResult result, float[] logProbs,
            float[] oldLogProbs, float[] mask, Map<String, Double> metrics) {
    }

    /**
     * The loss of {@code groups}.
     *
     * @param references each group's reference log-probabilities [G * width], or null entries
     *     when there is no reference
     */
    Outcome run(List<Rollout> groups, List<float[]> references) {
        List<Variable> logProbs = new ArrayList<>();
        int rows = 0;
        int width = groups.get(0).width();
        for (Rollout group : groups) {
            rows += group.size();
        }
        float[] old = new float[rows * width];
        float[] mask = new float[rows * width];
        float[] rewards = new float[rows];
        int[] groupIds = new int[rows];
        float[] reference = references.get(0) == null ? null : new float[rows * width];
        double entropy = 0;
        double keptMass = 0;
        double agreement = 0;
        double agreementCount = 0;
        double counted = 0;
        int row = 0;
        for (int i = 0; i < groups.size(); i++) {
            Rollout group = groups.get(i);
            PolicyLogProbs.Pass pass = passes.of(group);
            logProbs.add(pass.logProbs());
            int at = row * width;
            System.arraycopy(group.samplerLogProbs(), 0, old, at, group.size() * width);
            System.arraycopy(group.mask(), 0, mask, at, group.size() * width);
            if (reference != null) {
                System.arraycopy(references.get(i), 0, reference, at, group.size() * width);
            }
            for (int g = 0; g < group.size(); g++) {
                rewards[row + g] = (float) group.rewards()[g];
                groupIds[row + g] = i;
            }
            float[] logits = pass.logits().value().toArray();
            int vocab = logits.length / (group.size() * width);
            for (int s = 0; s < group.size() * width; s++) {
                if (group.mask()[s] == 0) {
                    continue;
                }
                double[] stats = distribution(logits, s * vocab, vocab,
                        group.kept().get(s));
                entropy += stats[0];
                keptMass += stats[1];
                counted++;
            }
            double[] routing = agreement(group, pass.routing());
            agreement += routing[0];
            agreementCount += routing[1];
            row += group.size();
        }
        Ops ops = logProbs.get(0).ops();
        Variable current = logProbs.size() == 1 ? logProbs.get(0)
                : ops.concat(0, logProbs.toArray(Variable[]::new));
        Optional<Tensor> ref = reference == null ? Optional.empty()
                : Optional.of(ops.constant(reference, rows, width).value());
        PolicyLossResult result = loss.compute(new RolloutMinibatch(current,
                ops.constant(old, rows, width).value(), ref, ops.constant(mask, rows, width)
                        .value(), ops.constant(rewards, rows).value(), groupIds));
        float[] values = current.value().toArray();
        Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
        if (!metrics.containsKey("kl") && reference != null) {
            metrics.put("kl", k3(values, reference, mask));
        }
        metrics.put("entropy", counted == 0 ? 0 : entropy / counted);
        metrics.put("kept_mass", counted == 0 ? 1 : keptMass / counted);
        if (agreementCount > 0) {
            metrics.put("routing_agreement", agreement / agreementCount);
        }
        return new Outcome(result.loss(), result, values, old, mask, metrics);
    }

    /**
     * The entropy of a position's distribution ({@code logits} from {@code from}) and the mass
     * of the ids in {@code kept} (all of them when null), in double.
     */
    private static double[] distribution(float[] logits, int from, int vocab,
            int[] kept) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[from + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[from + v] - max);
        }
        double logSum = max + Math.log(sum);
        double entropy = 0;
        for (int v = 0; v < vocab; v++) {
            double logP = logits[from + v] - logSum;
            entropy -= Math.exp(logP) * logP;
        }
        double mass = 1;
        if (kept != null) {
            mass = 0;
            for (int id : kept) {
                mass += Math.exp(logits[from + id] - logSum);
            }
        }
        return new double[] {entropy, mass};
    }

    /**
     * The summed share of sampling-time experts {@code used} agrees with over the group's
     * counted tokens and MoE layers, and how many (token, layer) pairs were compared.
     */
    private static double[] agreement(Rollout group, Routing used) {
        Routing sampled = group.routing();
        double sum = 0;
        double count = 0;
        int total = group.promptLength() + group.width();
        for (Map.Entry<Integer, IntTensor> e : sampled.byLayer().entrySet()) {
            int[] a = e.getValue().toArray();
            int[] b = used.layer(e.getKey()).toArray();
            int k = e.getValue().shape()[2];
            for (int g = 0; g < group.size(); g++) {
                for (int s = 0; s < group.width(); s++) {
                    if (group.mask()[g * group.width() + s] == 0) {
                        continue;
                    }
                    int at = (g * total + group.promptLength() + s) * k;
                    int same = 0;
                    for (int x = 0; x < k; x++) {
                        for (int y = 0; y < k; y++) {
                            same += a[at + x] == b[at + y] ? 1 : 0;
                        }
                    }
                    sum += (double) same / k;
                    count++;
                }
            }
        }
        return new double[] {sum, count};
    }

    /** Mean of {@code exp(d) - d - 1}, {@code d = ref - logp}, over counted tokens. */
    private static double k3(float[] logProbs, float[] reference, float[] mask) {
        double sum = 0;
        double count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                double d = reference[i] - logProbs[i];
                sum += Math.exp(d) - d - 1;
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }
}
