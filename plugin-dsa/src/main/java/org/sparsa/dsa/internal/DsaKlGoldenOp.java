package org.sparsa.dsa.internal;

import java.util.Set;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * The indexer's training losses as golden ops: q, k and the indexer's qi, ki, w (and the config
 * {@code top_k}, which the sparse loss selects with) give {@code loss [1]} through the path the
 * layer trains with, {@link IndexerLossFunction} (the fused kernel: {@link IndexerKernel} on the
 * Java backend, {@link OpenClIndexerKernel} on OpenCL), the sparse loss over the selection of
 * {@link DsaKernel#select}, as the layer makes it; with {@code dout.loss} also the gradients of
 * qi, ki and w, from autograd. q and k are the teacher's and get none. Registered once per loss
 * by {@link DsaKlDenseGoldenOp} and {@link DsaKlSparseGoldenOp}; the tests run the same cases
 * through {@link DsaReference} as well ({@link #reference}).
 */
abstract class DsaKlGoldenOp implements GoldenOp {
    private static final String[] INPUTS = {"in.q", "in.k", "in.qi", "in.ki", "in.w"};

    /** An indexer loss the op can run: the dense one for top_k 0, else the sparse one. */
    @FunctionalInterface
    interface Loss {
        Variable compute(Variable q, Variable k, Variable qi, Variable ki, Variable w,
                int topK);
    }

    private final String op;
    private final boolean sparse;
    private final Loss loss;

    DsaKlGoldenOp(String op, boolean sparse, Loss loss) {
        this.op = op;
        this.sparse = sparse;
        this.loss = loss;
    }

    /**
     * The fused loss, as {@link DsaLayer} computes it: qi, ki and w as the indexer gives them
     * (its weights already carry their scale), each sequence selected by the streaming top-k.
     */
    static Variable fused(Variable q, Variable k, Variable qi, Variable ki, Variable w,
            int topK) {
        if (topK == 0) {
            return IndexerLossFunction.dense(q, k, qi, ki, w);
        }
        int[] shape = qi.shape();
        int[] selected = DsaKernel.select(shape[0], 0, shape[1], shape[2], topK,
                qi.value().toArray(), ki.value().toArray(), w.value().toArray());
        return IndexerLossFunction.sparse(q, k, qi, ki, w, selected, topK);
    }

    /** The spec's loss through plain autograd, the yardstick of the fused one. */
    static Variable reference(Variable q, Variable k, Variable qi, Variable ki, Variable w,
            int topK) {
        Variable scores = DsaReference.indexScores(qi, ki, w, 0);
        return topK == 0 ? DsaReference.klDense(q, k, scores, 0)
                : DsaReference.klSparse(q, k, scores, DsaReference.select(scores, topK, 0), topK,
                        0);
    }

    @Override
    public Set<BackendKind> backends() {
        return GoldenInputs.backends();
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            GoldenInputs in = GoldenInputs.read(op, goldenCase, ops, INPUTS,
                    Set.of("in.qi", "in.ki", "in.w"));
            Variable out;
            try {
                out = loss.compute(in.get("in.q"), in.get("in.k"), in.get("in.qi"),
                        in.get("in.ki"), in.get("in.w"), sparse ? in.topK() : 0);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs().put("out.loss", out.value().toArray());
            in.putGradients("loss", out, outputs);
            return outputs;
        }
    }
}
