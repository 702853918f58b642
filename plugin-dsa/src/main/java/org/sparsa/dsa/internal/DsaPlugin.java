package org.sparsa.dsa.internal;

import java.util.List;
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
 * {@code dsa}: DeepSeek Sparse Attention (DeepSeek-V3.2). A lightning indexer scores every
 * visible key of each query, the query attends to the {@code top_k} best, and the indexer
 * trains on a KL loss against the main attention ({@code specs/attention.md}). The layer adds
 * the indexer's projections ({@link Indexer}); its modes are {@code sparse} and {@code dense}
 * ({@link DsaLayer}).
 */
@Component(service = AttentionPlugin.class)
@PluginInfo(kind = PluginKind.ATTENTION, id = "dsa",
        description = "DeepSeek Sparse Attention: a lightning indexer picks the top-k keys of"
                + " each query, trained by a KL loss against the main attention",
        config = {
            DsaPlugin.TOP_K + ":int=2048 - keys each query attends to in sparse mode",
            DsaPlugin.INDEX_HEADS + ":int=64 - lightning-indexer heads HI",
            DsaPlugin.INDEX_DIM + ":int=128 - width dI of an index query and key",
            DsaPlugin.ROPE_DIM + ":int=64 - leading entries of the index query and key that"
                    + " RoPE turns; even, at most index_dim",
            DsaPlugin.FP8 + ":boolean=false - simulate FP8 e4m3 index queries and keys",
            DsaPlugin.FP8_GROUP + ":int=128 - entries sharing one FP8 scale; divides"
                    + " index_dim",
            DsaPlugin.POW2_SCALE + ":boolean=false - round FP8 scales up to powers of two"})
public final class DsaPlugin implements AttentionPlugin {
    static final String TOP_K = "top_k";
    static final String INDEX_HEADS = "index_heads";
    static final String INDEX_DIM = "index_dim";
    static final String ROPE_DIM = "rope_dim";
    static final String FP8 = "fp8";
    static final String FP8_GROUP = "fp8_group";
    static final String POW2_SCALE = "pow2_scale";
    private static final List<String> KEYS = List.of(TOP_K, INDEX_HEADS, INDEX_DIM, ROPE_DIM,
            FP8, FP8_GROUP, POW2_SCALE);
    private static final int MOST = 1 << 20;

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        return Indexer.specs(shape, params(config));
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        return new DsaLayer(shape, params(config));
    }

    /**
     * The checked options of {@code config}, DeepSeek-V3.2's where it says nothing.
     *
     * @throws ConfigException naming the key out of range or the combination that cannot work
     */
    static DsaParams params(PluginConfig config) {
        config.requireOnly(KEYS);
        DsaParams paper = DsaParams.DEEPSEEK;
        int topK = size(config, TOP_K, paper.topK(), 1);
        int indexHeads = size(config, INDEX_HEADS, paper.indexHeads(), 1);
        int indexDim = size(config, INDEX_DIM, paper.indexDim(), 1);
        int ropeDim = size(config, ROPE_DIM, paper.ropeDim(), 0);
        boolean fp8 = config.bool(FP8, paper.fp8());
        int fp8Group = size(config, FP8_GROUP, paper.fp8Group(), 1);
        boolean pow2Scale = config.bool(POW2_SCALE, paper.pow2Scale());
        if (ropeDim > indexDim) {
            throw new ConfigException(config.origin(), ROPE_DIM, "expected at most index_dim ("
                    + indexDim + "), since RoPE turns entries of the index query and key, found "
                    + ropeDim);
        }
        if (ropeDim % 2 != 0) {
            throw new ConfigException(config.origin(), ROPE_DIM, "expected an even number, "
                    + "since RoPE turns entries in pairs, found " + ropeDim);
        }
        if (fp8 && indexDim % fp8Group != 0) {
            throw new ConfigException(config.origin(), FP8_GROUP, "expected a divisor of "
                    + "index_dim (" + indexDim + "), since each group of a row has one FP8 "
                    + "scale, found " + fp8Group);
        }
        return new DsaParams(topK, indexHeads, indexDim, ropeDim, fp8, fp8Group, pow2Scale);
    }

    private static int size(PluginConfig config, String key, int fallback, int least) {
        long value = config.integer(key, fallback);
        if (value < least || value > MOST) {
            throw new ConfigException(config.origin(), key, "expected an integer from " + least
                    + " to " + MOST + ", found " + value);
        }
        return (int) value;
    }
}
