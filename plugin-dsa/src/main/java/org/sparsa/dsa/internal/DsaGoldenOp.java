package org.sparsa.dsa.internal;

import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code attention.dsa}: q, k, v with the indexer's qi, ki and w and the config {@code top_k}
 * give the index scores, the selected keys and o through {@link DsaReference}; with
 * {@code dout.o} also the gradients of q, k and v, from autograd. The indexer's inputs are
 * constants here: selection lets no gradient through, so the output has none for them.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=attention.dsa")
public final class DsaGoldenOp implements GoldenOp {
    private static final String OP = "attention.dsa";
    private static final String[] INPUTS = {"in.q", "in.k", "in.v", "in.qi", "in.ki", "in.w"};

    @Override
    public Set<BackendKind> backends() {
        return GoldenInputs.backends();
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            GoldenInputs in = GoldenInputs.read(OP, goldenCase, ops, INPUTS,
                    Set.of("in.q", "in.k", "in.v"));
            DsaReference.Result result;
            try {
                result = DsaReference.forward(in.get("in.q"), in.get("in.k"), in.get("in.v"),
                        in.get("in.qi"), in.get("in.ki"), in.get("in.w"), in.topK());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs()
                    .put("out.scores", result.scores().value().toArray())
                    .putInts("out.topk", result.topk())
                    .put("out.o", result.o().value().toArray());
            in.putGradients("o", result.o(), outputs);
            return outputs;
        }
    }
}
