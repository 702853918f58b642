package org.sparsa.dsa.internal;

import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code attention.dsa}: q, k, v with the indexer's qi, ki and w and the config {@code top_k}
 * give the index scores, the selected keys and o; with {@code dout.o} also the gradients of q,
 * k and v, from autograd. The selected keys, o and the gradients come from the path the layer
 * trains with: the streaming selection and {@link DsaFunction} (the fused kernels:
 * {@link DsaKernel} on the Java backend, {@link OpenClDsaKernel} on OpenCL); the index scores,
 * the full matrix of a small case, from {@link DsaReference#indexScores}. The tests run the
 * same case through {@link DsaReference} as well. The indexer's inputs are constants here:
 * selection lets no gradient through, so the output has none for them.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=attention.dsa")
public final class DsaGoldenOp implements GoldenOp {
    private static final String OP = "attention.dsa";
    private static final String[] INPUTS = {"in.q", "in.k", "in.v", "in.qi", "in.ki", "in.w"};

    /** The DSA computation the op runs: the reference's signature. */
    @FunctionalInterface
    interface Attention {
        DsaReference.Result forward(Variable q, Variable k, Variable v, Variable qi,
                Variable ki, Variable w, int topK);
    }

    private final Attention attention;

    /** The op through the fused path, as the layer runs it. */
    public DsaGoldenOp() {
        this(DsaGoldenOp::fused);
    }

    /** The op through another DSA computation, such as {@link DsaReference#forward}. */
    DsaGoldenOp(Attention attention) {
        this.attention = attention;
    }

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
                result = attention.forward(in.get("in.q"), in.get("in.k"), in.get("in.v"),
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

    /**
     * One sequence through the layer's path: the streaming selection and the sparse-attention
     * function, on the device of the variables' backend when it is OpenCL.
     */
    static DsaReference.Result fused(Variable q, Variable k, Variable v, Variable qi,
            Variable ki, Variable w, int topK) {
        // The reference's scores check that qi, ki and w fit together before their sizes are
        // read here.
        Variable scores = DsaReference.indexScores(qi, ki, w, 0);
        int[] index = qi.shape();
        int[] selected = DsaFunction.select(q.ops().backend(), index[0], 0, index[1], index[2],
                topK, qi.value().toArray(), ki.value().toArray(), w.value().toArray());
        return new DsaReference.Result(scores, selected,
                DsaFunction.attend(q, k, v, selected, topK));
    }
}
