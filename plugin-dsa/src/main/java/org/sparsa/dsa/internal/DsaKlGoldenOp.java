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
 * {@code top_k}, which the sparse loss selects with) give {@code loss [1]} through
 * {@link DsaReference#klDense} or {@link DsaReference#klSparse}; with {@code dout.loss} also the
 * gradients of qi, ki and w. q and k are the teacher's and get none. Registered once per loss by
 * {@link DsaKlDenseGoldenOp} and {@link DsaKlSparseGoldenOp}.
 */
abstract class DsaKlGoldenOp implements GoldenOp {
    private static final String[] INPUTS = {"in.q", "in.k", "in.qi", "in.ki", "in.w"};

    private final String op;
    private final boolean sparse;

    DsaKlGoldenOp(String op, boolean sparse) {
        this.op = op;
        this.sparse = sparse;
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
            Variable loss;
            try {
                Variable q = in.get("in.q");
                Variable k = in.get("in.k");
                Variable scores = DsaReference.indexScores(in.get("in.qi"), in.get("in.ki"),
                        in.get("in.w"), 0);
                if (sparse) {
                    int topK = in.topK();
                    loss = DsaReference.klSparse(q, k, scores,
                            DsaReference.select(scores, topK, 0), topK, 0);
                } else {
                    loss = DsaReference.klDense(q, k, scores, 0);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs().put("out.loss", loss.value().toArray());
            in.putGradients("loss", loss, outputs);
            return outputs;
        }
    }
}
