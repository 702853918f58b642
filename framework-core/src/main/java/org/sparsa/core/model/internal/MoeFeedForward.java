package org.sparsa.core.model.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.MoeConfig;

/**
 * The mixture-of-experts MLP of one layer, Hugging Face layout under the layer's {@code mlp.}:
 * router {@code gate.weight [E, dim]}, experts {@code experts.{e}.{gate,up,down}_proj.weight}
 * and an optional {@code shared_experts.{gate,up,down}_proj.weight}.
 *
 * <p>Per token the router's softmax picks the top {@code k} experts (ties to the lower index),
 * or the replayed ones, and weights them by their probabilities renormalised over the chosen.
 * Each expert then runs once on the tokens routed to it, gathered in token order, and its
 * weighted outputs are scattered back; experts run in index order, so the sums are the same on
 * every run. Everything but the choice itself is differentiable, router included.
 */
public final class MoeFeedForward {

    /** What the layer computed: the output {@code [B, T, dim]} and the chosen ids. */
    public record Result(Variable output, IntTensor chosen) {
    }

    private MoeFeedForward() {
    }

    /**
     * The MoE MLP of {@code h [B, T, dim]}.
     *
     * @param mlp the layer's parameters under {@code mlp.}
     * @param replay expert ids {@code [B, T, k]} to use instead of the router's top k, or null
     * @param layer the layer index, for messages
     */
    public static Result forward(Ops ops, Parameters mlp, MoeConfig moe, Variable h,
            IntTensor replay, int layer) {
        int[] shape = h.shape();
        int batch = shape[0];
        int time = shape[1];
        int dim = shape[2];
        int tokens = batch * time;
        int k = moe.topK();
        Variable x = ops.reshape(h, tokens, dim);

        // Router: softmax over experts; the chosen experts' probabilities, renormalised.
        Variable probs = ops.softmax(linear(ops, x, mlp.get("gate.weight")), -1);
        int[] chosen = replay == null ? topK(probs.value().toArray(), moe.experts(), k)
                : replayed(replay, batch, time, moe, layer);
        Variable weights = ops.gather(probs, 1, IntTensor.of(chosen, tokens, k));
        weights = ops.div(weights, ops.sum(weights, true, 1));
        Variable flatWeights = ops.reshape(weights, tokens * k);

        Variable out = ops.constant(new float[tokens * dim], tokens, dim);
        for (int e = 0; e < moe.experts(); e++) {
            List<Integer> rows = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            for (int i = 0; i < tokens * k; i++) {
                if (chosen[i] == e) {
                    rows.add(i / k);
                    slots.add(i);
                }
            }
            if (rows.isEmpty()) {
                continue;
            }
            int n = rows.size();
            int[] rowIds = rows.stream().mapToInt(Integer::intValue).toArray();
            Variable xe = ops.indexSelect(x, 0, IntTensor.vector(rowIds));
            Variable ye = swiglu(ops, mlp, "experts." + e + ".", xe);
            Variable we = ops.reshape(ops.indexSelect(flatWeights, 0,
                    IntTensor.vector(slots.stream().mapToInt(Integer::intValue).toArray())), n, 1);
            int[] scatter = new int[n * dim];
            for (int r = 0; r < n; r++) {
                Arrays.fill(scatter, r * dim, (r + 1) * dim, rowIds[r]);
            }
            out = ops.scatterAdd(out, 0, IntTensor.of(scatter, n, dim), ops.mul(ye, we));
        }
        if (moe.sharedExpert()) {
            out = ops.add(out, swiglu(ops, mlp, "shared_experts.", x));
        }
        return new Result(ops.reshape(out, batch, time, dim),
                IntTensor.of(chosen, batch, time, k));
    }

    /** {@code down(silu(gate(x)) * up(x))} with the weights under {@code prefix}. */
    public static Variable swiglu(Ops ops, Parameters mlp, String prefix, Variable x) {
        Variable gate = linear(ops, x, mlp.get(prefix + "gate_proj.weight"));
        Variable up = linear(ops, x, mlp.get(prefix + "up_proj.weight"));
        return linear(ops, ops.swiglu(gate, up), mlp.get(prefix + "down_proj.weight"));
    }

    /** {@code x Wᵀ} for a weight stored {@code [out, in]}, as Hugging Face stores it. */
    public static Variable linear(Ops ops, Variable x, Variable weight) {
        return ops.linear(x, weight);
    }

    /**
     * The {@code k} largest of each row of {@code probs [tokens, experts]}, largest first; equal
     * values go to the lower index, so the choice is the same on every run.
     */
    static int[] topK(float[] probs, int experts, int k) {
        int tokens = probs.length / experts;
        int[] chosen = new int[tokens * k];
        for (int t = 0; t < tokens; t++) {
            boolean[] taken = new boolean[experts];
            for (int s = 0; s < k; s++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!taken[e] && (best < 0
                            || probs[t * experts + e] > probs[t * experts + best])) {
                        best = e;
                    }
                }
                taken[best] = true;
                chosen[t * k + s] = best;
            }
        }
        return chosen;
    }

    private static int[] replayed(IntTensor replay, int batch, int time, MoeConfig moe,
            int layer) {
        int k = moe.topK();
        if (!Arrays.equals(replay.shape(), new int[] {batch, time, k})) {
            throw new IllegalArgumentException("moe layer " + layer + ": replayed routing of "
                    + "shape " + Arrays.toString(replay.shape()) + ", expected "
                    + Arrays.toString(new int[] {batch, time, k}) + " [batch, time, top_k]");
        }
        int[] ids = replay.toArray();
        for (int t = 0; t < batch * time; t++) {
            for (int s = 0; s < k; s++) {
                int id = ids[t * k + s];
                if (id < 0 || id >= moe.experts()) {
                    throw new IllegalArgumentException("moe layer " + layer + ": replayed expert "
                            + id + " at token " + t + ", expected an id in [0, "
                            + moe.experts() + ")");
                }
                for (int r = 0; r < s; r++) {
                    if (ids[t * k + r] == id) {
                        throw new IllegalArgumentException("moe layer " + layer
                                + ": replayed expert " + id + " twice at token " + t);
                    }
                }
            }
        }
        return ids;
    }
}
