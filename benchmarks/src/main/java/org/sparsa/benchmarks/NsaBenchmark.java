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
import org.sparsa.nsa.internal.NsaKernel;
import org.sparsa.nsa.internal.NsaParams;

/**
 * The fused NSA kernel against causal full attention (the tiled Java kernel), forward and
 * forward + backward at T = 4096 and 8192: H = 4 query heads sharing 1 kv head of D = 64, the
 * paper's NSA sizes (l = 32, d = 16, l' = 64, n = 16, w = 512). The compression is not timed:
 * the kernel takes compressed keys and values, random here. The selected and window branches
 * share one set of keys and values, as without {@code independent_kv}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class NsaBenchmark {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 1;
    private static final int DIM = 64;

    /** Inputs shared by both kernels. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"4096", "8192"})
        public int length;

        NsaKernel.Sizes sizes;
        FullAttentionSpec spec;
        float[] q;
        float[] k;
        float[] v;
        float[] kc;
        float[] vc;
        float[] gates;
        float[] dout;

        @Setup
        public void setUp() {
            sizes = new NsaKernel.Sizes(length, HEADS, KV_HEADS, DIM, NsaParams.PAPER);
            spec = new FullAttentionSpec(length, HEADS, KV_HEADS, DIM, 0);
            SplittableRandom random = new SplittableRandom(42);
            q = FullAttentionBenchmark.gaussian(random, spec.querySize());
            k = FullAttentionBenchmark.gaussian(random, spec.kvSize());
            v = FullAttentionBenchmark.gaussian(random, spec.kvSize());
            kc = FullAttentionBenchmark.gaussian(random, sizes.compressed() * KV_HEADS * DIM);
            vc = FullAttentionBenchmark.gaussian(random, sizes.compressed() * KV_HEADS * DIM);
            gates = new float[length * HEADS * 3];
            for (int i = 0; i < gates.length; i++) {
                gates[i] = (float) random.nextDouble();
            }
            dout = FullAttentionBenchmark.gaussian(random, spec.querySize());
        }
    }

    @Benchmark
    public NsaKernel.Forward nsaForward(Inputs in) {
        return NsaKernel.forward(in.sizes, in.q, in.k, in.v, in.k, in.v, in.kc, in.vc,
                in.gates);
    }

    @Benchmark
    public NsaKernel.Gradients nsaForwardBackward(Inputs in) {
        NsaKernel.Forward forward = nsaForward(in);
        return NsaKernel.backward(in.sizes, in.q, in.k, in.v, in.k, in.v, in.kc, in.vc, in.gates,
                forward, in.dout, true, true);
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
