package org.sparsa.nsa.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;

/**
 * {@code nsa}: Native Sparse Attention. Each query attends through three branches, compressed
 * blocks, its top selected blocks and a sliding window, mixed by per-head gates computed from
 * the layer's input ({@code specs/attention.md}). The layer adds the gate projection and the
 * compressors' weights and intra-block position embeddings of keys and values, and under
 * {@code independent_kv} the selected and window branches' own key and value projections.
 */
@Component(service = AttentionPlugin.class)
@PluginInfo(kind = PluginKind.ATTENTION, id = "nsa",
        description = "Native Sparse Attention: compressed, selected and sliding-window branches"
                + " mixed by learned gates",
        config = {
            NsaPlugin.BLOCK_LEN + ":int=32 - compression block length l",
            NsaPlugin.STRIDE + ":int=16 - compression stride d, dividing l and l'",
            NsaPlugin.SELECT_BLOCK + ":int=64 - selection block length l'",
            NsaPlugin.SELECT_COUNT + ":int=16 - blocks each query selects, n",
            NsaPlugin.WINDOW + ":int=512 - sliding-window width w, the query included",
            NsaPlugin.INIT_BLOCKS + ":int=1 - blocks at the start every query selects",
            NsaPlugin.LOCAL_BLOCKS + ":int=2 - blocks ending at its own every query selects",
            NsaPlugin.GATE_INIT + ":string=zeros - initial gate bias: zeros (every gate"
                    + " 0.5) or ones",
            NsaPlugin.COMPRESS + ":string=linear - how a block becomes a compressed token:"
                    + " linear (the spec), mlp (one SiLU hidden layer) or mean",
            NsaPlugin.COMPRESS_HIDDEN + ":int=0 - hidden width of the mlp compressor; 0 means"
                    + " the head width",
            NsaPlugin.INDEPENDENT_KV + ":boolean=false - the selected and window branches"
                    + " project keys and values of their own from the layer's input (rotated"
                    + " as the model rotates k); the compressed branch keeps the model's"})
public final class NsaPlugin implements AttentionPlugin {
    static final String BLOCK_LEN = "block_len";
    static final String STRIDE = "stride";
    static final String SELECT_BLOCK = "select_block";
    static final String SELECT_COUNT = "select_count";
    static final String WINDOW = "window";
    static final String INIT_BLOCKS = "init_blocks";
    static final String LOCAL_BLOCKS = "local_blocks";
    static final String GATE_INIT = "gate_init";
    static final String COMPRESS = "compress";
    static final String COMPRESS_HIDDEN = "compress_hidden";
    static final String INDEPENDENT_KV = "independent_kv";
    private static final List<String> KEYS = List.of(BLOCK_LEN, STRIDE, SELECT_BLOCK,
            SELECT_COUNT, WINDOW, INIT_BLOCKS, LOCAL_BLOCKS, GATE_INIT, COMPRESS,
            COMPRESS_HIDDEN, INDEPENDENT_KV);
    private static final List<String> GATE_INITS = List.of("zeros", "ones");
    /** The standard deviation of the gate weights at start. */
    private static final double INIT_STD = 0.02;
    private static final String KEYS_PREFIX = "compress.k";
    private static final String VALUES_PREFIX = "compress.v";

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        NsaParams params = params(config);
        List<ParameterSpec> specs = new ArrayList<>(List.of(
                new ParameterSpec(NsaLayer.GATE_WEIGHT, List.of(3 * shape.heads(),
                        shape.hidden()), "normal", INIT_STD),
                new ParameterSpec(NsaLayer.GATE_BIAS, List.of(3 * shape.heads()),
                        gateInit(config), 0)));
        specs.addAll(compressor(KEYS_PREFIX, shape, config, params).specs());
        specs.addAll(compressor(VALUES_PREFIX, shape, config, params).specs());
        BranchProjections projections = projections(shape, config);
        if (projections != null) {
            specs.addAll(projections.specs());
        }
        return specs;
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        gateInit(config);
        NsaParams params = params(config);
        return new NsaLayer(shape, params, compressor(KEYS_PREFIX, shape, config, params),
                compressor(VALUES_PREFIX, shape, config, params), projections(shape, config));
    }

    /**
     * The selected and window branches' own projections where {@code config} asks for them,
     * else null.
     *
     * @throws ConfigException when {@code independent_kv} is not a boolean
     */
    private static BranchProjections projections(AttentionShape shape, PluginConfig config) {
        return config.bool(INDEPENDENT_KV, false) ? new BranchProjections(shape) : null;
    }

    /** The compressor of keys or values {@code config} asks for. */
    private static Compressor compressor(String prefix, AttentionShape shape,
            PluginConfig config, NsaParams params) {
        String kind = config.string(COMPRESS, Compression.LINEAR.id());
        if (!Compression.ids().contains(kind)) {
            throw new ConfigException(config.origin(), COMPRESS, "expected one of "
                    + Compression.ids() + ", found '" + kind + "'");
        }
        int hidden = size(config, COMPRESS_HIDDEN, 0, 0);
        return new Compressor(Compression.valueOf(kind.toUpperCase(Locale.ROOT)), prefix,
                params, shape.kvHeads(), shape.headDim(), hidden == 0 ? shape.headDim() : hidden);
    }

    /**
     * The checked sizes of {@code config}, the paper's where it says nothing.
     *
     * @throws ConfigException naming the key out of range or the combination the spec rules out
     */
    static NsaParams params(PluginConfig config) {
        config.requireOnly(KEYS);
        NsaParams paper = NsaParams.PAPER;
        int blockLen = size(config, BLOCK_LEN, paper.blockLen(), 1);
        int stride = size(config, STRIDE, paper.stride(), 1);
        int selectBlock = size(config, SELECT_BLOCK, paper.selectBlock(), 1);
        int selectCount = size(config, SELECT_COUNT, paper.selectCount(), 1);
        int window = size(config, WINDOW, paper.window(), 1);
        int initBlocks = size(config, INIT_BLOCKS, paper.initBlocks(), 0);
        int localBlocks = size(config, LOCAL_BLOCKS, paper.localBlocks(), 0);
        if (blockLen % stride != 0) {
            throw new ConfigException(config.origin(), STRIDE, "expected a divisor of block_len ("
                    + blockLen + "), since compressed blocks start every stride tokens, found "
                    + stride);
        }
        if (selectBlock % stride != 0) {
            throw new ConfigException(config.origin(), SELECT_BLOCK, "expected a multiple of "
                    + "stride (" + stride + "), so that selection blocks align with compressed "
                    + "tokens, found " + selectBlock);
        }
        if (selectCount < initBlocks + localBlocks) {
            throw new ConfigException(config.origin(), SELECT_COUNT, "expected at least "
                    + "init_blocks + local_blocks (" + (initBlocks + localBlocks) + "), the "
                    + "blocks every query selects, found " + selectCount);
        }
        return new NsaParams(blockLen, stride, selectBlock, selectCount, window, initBlocks,
                localBlocks);
    }

    private static String gateInit(PluginConfig config) {
        String init = config.string(GATE_INIT, "zeros");
        if (!GATE_INITS.contains(init)) {
            throw new ConfigException(config.origin(), GATE_INIT, "expected one of "
                    + GATE_INITS + ", found '" + init + "'");
        }
        return init;
    }

    private static int size(PluginConfig config, String key, int fallback, int least) {
        long value = config.integer(key, fallback);
        if (value < least || value > 1 << 20) {
            throw new ConfigException(config.origin(), key, "expected an integer from " + least
                    + " to " + (1 << 20) + ", found " + value);
        }
        return (int) value;
    }
}
