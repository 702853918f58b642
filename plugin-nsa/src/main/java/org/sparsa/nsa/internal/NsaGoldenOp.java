package org.sparsa.nsa.internal;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.attention.OpenClFullAttention;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code attention.nsa}: q, k, v and gates with the compression parameters wk, wv, pek, pev and
 * the config {@code block_len, stride, select_block, select_count, window} (and
 * {@code init_blocks}, {@code local_blocks}, by default the spec's 1 and 2) give o and the
 * selected blocks through the path the layer trains with, {@link NsaFunction#attend} (the
 * fused kernel: {@link NsaKernel} on the Java backend, {@link OpenClNsaKernel} on OpenCL); with
 * {@code dout.o} also the gradient of every input and parameter, from autograd. Runs on the Java
 * backend and, when an OpenCL device is present, on the OpenCL backend (opened for the case and
 * closed after it). The tests run the same case through {@link NsaReference} as well.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=attention.nsa")
public final class NsaGoldenOp implements GoldenOp {
    private static final String OP = "attention.nsa";
    /** The op's tensors in the order {@link NsaReference#forward} takes them. */
    private static final String[] INPUTS = {"in.q", "in.k", "in.v", "in.gates", "param.wk",
        "param.wv", "param.pek", "param.pev"};

    /** The NSA computation the op runs: the reference's signature. */
    @FunctionalInterface
    interface Attention {
        NsaReference.Result forward(Variable q, Variable k, Variable v, Variable gates,
                Variable wk, Variable wv, Variable pek, Variable pev, NsaParams params);
    }

    private final Attention attention;

    /** The op through the fused path, as the layer runs it. */
    public NsaGoldenOp() {
        this(NsaFunction::attend);
    }

    /** The op through another NSA computation, such as {@link NsaFunction#attend}. */
    NsaGoldenOp(Attention attention) {
        this.attention = attention;
    }

    @Override
    public Set<BackendKind> backends() {
        // The same device test the OpenCL backend makes, through core's public attention API.
        return OpenClFullAttention.isAvailable()
                ? EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL)
                : EnumSet.of(BackendKind.JAVA);
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        NsaParams params = params(goldenCase);
        for (String name : INPUTS) {
            if (!goldenCase.has(name)) {
                throw new IllegalArgumentException(OP + ": the case has no " + name);
            }
        }
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            Map<String, Variable> leaves = new LinkedHashMap<>();
            for (String name : INPUTS) {
                leaves.put(name, ops.leaf(ops.tensor(goldenCase.floats(name),
                        goldenCase.shape(name))));
            }
            Variable[] in = leaves.values().toArray(Variable[]::new);
            NsaReference.Result result;
            try {
                result = attention.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                        in[7], params);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs()
                    .put("out.o", result.o().value().toArray())
                    .putInts("out.selected", result.selected());
            if (goldenCase.has("dout.o")) {
                Variable dout = ops.constant(goldenCase.floats("dout.o"),
                        goldenCase.shape("dout.o"));
                ops.sum(ops.mul(result.o(), dout), false).backward();
                leaves.forEach((name, leaf) -> outputs.put(
                        "grad." + name.substring(name.indexOf('.') + 1),
                        leaf.grad().map(Tensor::toArray)
                                .orElseGet(() -> new float[leaf.value().size()])));
            }
            return outputs;
        }
    }

    private static NsaParams params(GoldenCase goldenCase) {
        Map<String, Object> config = goldenCase.config();
        int blockLen = integer(config, "block_len", null);
        int stride = integer(config, "stride", null);
        int selectBlock = integer(config, "select_block", null);
        int selectCount = integer(config, "select_count", null);
        int window = integer(config, "window", null);
        int initBlocks = integer(config, "init_blocks", 1);
        int localBlocks = integer(config, "local_blocks", 2);
        try {
            return new NsaParams(blockLen, stride, selectBlock, selectCount, window, initBlocks,
                    localBlocks);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
        }
    }

    private static int integer(Map<String, Object> config, String key, Integer fallback) {
        Object value = config.get(key);
        if (value == null && fallback != null) {
            return fallback;
        }
        if (!(value instanceof Integer i)) {
            throw new IllegalArgumentException(OP + ": config '" + key
                    + "' must be an integer, found " + value);
        }
        return i;
    }
}
