package org.sparsa.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsa.core.attention.FlashAttention;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.dsa.internal.DsaKernel;
import org.sparsa.dsa.internal.IndexerKernel;

/**
 * The fused DSA kernels against causal full attention (the tiled Java kernel), forward and
 * forward + backward: H = 4 query heads sharing 1 kv head (MQA, as DSA on MLA) of D = 64, an
 * indexer of {@code indexHeads} = 4 heads of {@code indexDim} = 64, {@code topK} 2048 or 512.
 * The DSA forward is the selection (the indexer streamed over every visible key with a running
 * top-k) and the sparse attention; forward + backward adds the sparse-stage indexer loss and
 * both backwards, as in a training step. The indexer alone (selection, and selection with its
 * loss forward and backward) is timed apart so that its share can be read off. The projections
 * in front of the kernels are not timed: their inputs are random.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DsaBenchmark {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 1;
    private static final int DIM = 64;

    /** The sequence, shared by every kernel. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"2048"})
        public int length;

        @Param({"4"})
        public int indexHeads;

        @Param({"64"})
        public int indexDim;

        FullAttentionSpec spec;
        float[] q;
        float[] k;
        float[] v;
        float[] qi;
        float[] ki;
        float[] w;
        float[] dout;

        @Setup
        public void setUp() {
            spec = new FullAttentionSpec(length, HEADS, KV_HEADS, DIM, 0);
            SplittableRandom random = new SplittableRandom(42);
            q = FullAttentionBenchmark.gaussian(random, spec.querySize());
            k = FullAttentionBenchmark.gaussian(random, spec.kvSize());
            v = FullAttentionBenchmark.gaussian(random, spec.kvSize());
            qi = FullAttentionBenchmark.gaussian(random, length * indexHeads * indexDim);
            ki = FullAttentionBenchmark.gaussian(random, length * indexDim);
            w = FullAttentionBenchmark.gaussian(random, length * indexHeads);
            // The layer folds HI^-1/2 dI^-1/2 into the weights.
            float scale = (float) (1 / Math.sqrt((double) indexHeads * indexDim));
            for (int i = 0; i < w.length; i++) {
                w[i] *= scale;
            }
            dout = FullAttentionBenchmark.gaussian(random, spec.querySize());
        }
    }

    /** The number of keys each query attends to. */
    @State(Scope.Benchmark)
    public static class Sparsity {
        @Param({"2048", "512"})
        public int topK;
    }

    private static int[] select(Inputs in, Sparsity sparsity) {
        return DsaKernel.select(in.length, 0, in.indexHeads, in.indexDim, sparsity.topK, in.qi,
                in.ki, in.w);
    }

    private static DsaKernel.Sizes sizes(Inputs in, Sparsity sparsity) {
        return new DsaKernel.Sizes(in.length, in.length, HEADS, KV_HEADS, DIM, sparsity.topK);
    }

    private static IndexerKernel.Sizes indexerSizes(Inputs in, Sparsity sparsity) {
        return new IndexerKernel.Sizes(in.length, HEADS, KV_HEADS, DIM, in.indexHeads,
                in.indexDim, sparsity.topK);
    }

    private static IndexerKernel.Inputs indexerInputs(Inputs in, int[] selected) {
        return new IndexerKernel.Inputs(in.q, in.k, in.qi, in.ki, in.w, selected);
    }

    @Benchmark
    public DsaKernel.Forward dsaForward(Inputs in, Sparsity sparsity) {
        return DsaKernel.forward(sizes(in, sparsity), in.q, in.k, in.v, select(in, sparsity));
    }

    @Benchmark
    public Object[] dsaForwardBackward(Inputs in, Sparsity sparsity) {
        int[] selected = select(in, sparsity);
        DsaKernel.Sizes sizes = sizes(in, sparsity);
        DsaKernel.Forward forward = DsaKernel.forward(sizes, in.q, in.k, in.v, selected);
        IndexerKernel.Sizes indexer = indexerSizes(in, sparsity);
        IndexerKernel.Inputs inputs = indexerInputs(in, selected);
        IndexerKernel.Forward loss = IndexerKernel.forward(indexer, inputs);
        return new Object[] {
            DsaKernel.backward(sizes, in.q, in.k, in.v, selected, forward, in.dout),
            IndexerKernel.backward(indexer, inputs, loss, 1f / in.length)};
    }

    @Benchmark
    public int[] indexerSelection(Inputs in, Sparsity sparsity) {
        return select(in, sparsity);
    }

    @Benchmark
    public IndexerKernel.Gradients indexerSelectionAndLoss(Inputs in, Sparsity sparsity) {
        IndexerKernel.Sizes sizes = indexerSizes(in, sparsity);
        IndexerKernel.Inputs inputs = indexerInputs(in, select(in, sparsity));
        return IndexerKernel.backward(sizes, inputs, IndexerKernel.forward(sizes, inputs),
                1f / in.length);
    }

    @Benchmark
    public FlashAttention.Result flashForward(Inputs in) {
        return FlashAttention.forward(in.spec, in.q, in.k, in.v);
    }

    @Benchmark
    public FlashAttention.Gradients flashForwardBackward(Inputs in) {
        FlashAttention.Result result = flashForward(in);
        return FlashAttention.backward(in.spec, in.q, in.k, in.v, result.o(), result.lse(),
                in.dout);
    }
}
