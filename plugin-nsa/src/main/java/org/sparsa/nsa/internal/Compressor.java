package org.sparsa.nsa.internal;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;

/**
 * NSA's step 1 for the keys or the values of a layer ({@code compress.k.*} or
 * {@code compress.v.*}): the parameters it declares, the compression of a whole sequence in
 * differentiable ops, and the same arithmetic for one completed block while decoding.
 */
final class Compressor {
    /** Standard deviation of the weights and the position embedding at start. */
    private static final double INIT_STD = 0.02;

    private final Compression kind;
    private final String prefix;
    private final NsaParams params;
    private final int kvHeads;
    private final int dim;
    private final int hidden;

    /**
     * @param prefix {@code compress.k} or {@code compress.v}
     * @param hidden the MLP's hidden width (unused by the other forms)
     */
    Compressor(Compression kind, String prefix, NsaParams params, int kvHeads, int dim,
            int hidden) {
        this.kind = kind;
        this.prefix = prefix;
        this.params = params;
        this.kvHeads = kvHeads;
        this.dim = dim;
        this.hidden = hidden;
    }

    String positionName() {
        return prefix + ".position";
    }

    String weightName() {
        return prefix + ".weight";
    }

    String hiddenName() {
        return prefix + ".hidden";
    }

    /** The parameters this compressor declares in its layer. */
    List<ParameterSpec> specs() {
        int flat = params.blockLen() * dim;
        List<ParameterSpec> specs = new ArrayList<>();
        switch (kind) {
            case LINEAR -> specs.add(normal(weightName(), kvHeads, flat, dim));
            case MLP -> {
                specs.add(normal(hiddenName(), kvHeads, flat, hidden));
                specs.add(normal(weightName(), kvHeads, hidden, dim));
            }
            case MEAN -> { }
        }
        specs.add(normal(positionName(), kvHeads, params.blockLen(), dim));
        return specs;
    }

    /**
     * The compressed tokens of a batch of sequences {@code x [B, T, Hkv, D]},
     * {@code [B, Nc, Hkv, D]}; an empty constant when the sequences are shorter than a block, so
     * that no gradient reaches the parameters.
     */
    Variable apply(Variable x, Parameters parameters) {
        Ops ops = x.ops();
        int batch = x.shape()[0];
        int length = x.shape()[1];
        int compressed = params.compressedTokens(length);
        if (compressed == 0) {
            return ops.constant(new float[0], batch, 0, kvHeads, dim);
        }
        int blockLen = params.blockLen();
        int[] tokens = new int[compressed * blockLen];
        for (int i = 0; i < compressed; i++) {
            for (int r = 0; r < blockLen; r++) {
                tokens[i * blockLen + r] = i * params.stride() + r;
            }
        }
        // [B, Hkv, Nc, l, D]: each token's block, plus the position embedding.
        Variable perHead = ops.permute(x, 0, 2, 1, 3);
        Variable blocks = ops.add(ops.indexSelect(perHead, 2, IntTensor.of(tokens, compressed,
                blockLen)), ops.reshape(parameters.get(positionName()), kvHeads, 1, blockLen,
                dim));
        Variable out = switch (kind) {
            case LINEAR -> ops.matmul(flat(ops, blocks, batch, compressed),
                    parameters.get(weightName()));
            case MLP -> ops.matmul(ops.silu(ops.matmul(flat(ops, blocks, batch, compressed),
                    parameters.get(hiddenName()))), parameters.get(weightName()));
            case MEAN -> ops.mean(blocks, false, 3);
        };
        return ops.permute(out, 0, 2, 1, 3);
    }

    /** Blocks {@code [B, Hkv, Nc, l, D]} as rows {@code [B, Hkv, Nc, l*D]}. */
    private Variable flat(Ops ops, Variable blocks, int batch, int compressed) {
        return ops.reshape(blocks, batch, kvHeads, compressed, params.blockLen() * dim);
    }

    /** The plain arithmetic of {@link #apply} for one block, with the weights' current values. */
    BlockCompressor forDecoding(Parameters parameters) {
        return new BlockCompressor(kind, params, kvHeads, dim, hidden,
                values(parameters, positionName()),
                kind == Compression.MEAN ? null : values(parameters, weightName()),
                kind == Compression.MLP ? values(parameters, hiddenName()) : null);
    }

    private static float[] values(Parameters parameters, String name) {
        return parameters.get(name).value().toArray();
    }

    private static ParameterSpec normal(String name, int... shape) {
        List<Integer> sizes = new ArrayList<>();
        for (int size : shape) {
            sizes.add(size);
        }
        return new ParameterSpec(name, sizes, "normal", INIT_STD);
    }
}
