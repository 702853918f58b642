package org.sparsa.dsa.internal;

import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.testkit.OpGradientCheck;

/**
 * One set of inputs of the DSA op, as constants: q {@code [T, Hq, D]}, k and v
 * {@code [T, Hkv, D]}, qi {@code [T, HI, dI]}, ki {@code [T, dI]} and w {@code [T, HI]}.
 */
record DsaInputs(Variable q, Variable k, Variable v, Variable qi, Variable ki, Variable w) {

    /** Uniform random inputs in (-1, 1), from {@code seed}. */
    static DsaInputs random(Ops ops, long seed, int length, int queryHeads, int kvHeads,
            int dim, int indexHeads, int indexDim) {
        return new DsaInputs(
                constant(ops, seed, length, queryHeads, dim),
                constant(ops, seed + 1, length, kvHeads, dim),
                constant(ops, seed + 2, length, kvHeads, dim),
                constant(ops, seed + 3, length, indexHeads, indexDim),
                constant(ops, seed + 4, length, indexDim),
                constant(ops, seed + 5, length, indexHeads));
    }

    private static Variable constant(Ops ops, long seed, int... shape) {
        return ops.constant(OpGradientCheck.uniform(ops, seed, -1, 1, shape));
    }

    int length() {
        return q.shape()[0];
    }

    DsaReference.Result run(int topK) {
        return DsaReference.forward(q, k, v, qi, ki, w, topK);
    }

    /** The index scores of these inputs. */
    Variable scores() {
        return DsaReference.indexScores(qi, ki, w, 0);
    }

    /** The same inputs with every one replaced by noise after position {@code last}. */
    DsaInputs perturbAfter(int last, long seed) {
        return new DsaInputs(perturb(q, last, seed), perturb(k, last, seed + 1),
                perturb(v, last, seed + 2), perturb(qi, last, seed + 3),
                perturb(ki, last, seed + 4), perturb(w, last, seed + 5));
    }

    private static Variable perturb(Variable x, int last, long seed) {
        Ops ops = x.ops();
        float[] values = x.value().toArray();
        int[] shape = x.shape();
        int row = values.length / shape[0];
        float[] noise = OpGradientCheck.uniform(ops, seed, -3, 3, values.length).toArray();
        for (int i = (last + 1) * row; i < values.length; i++) {
            values[i] = noise[i];
        }
        return ops.constant(values, shape);
    }
}
