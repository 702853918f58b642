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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsa.core.attention.FlashAttention;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.attention.OpenClFullAttention;

/**
 * Causal full attention, H = 4 heads of D = 64, forward and forward + backward at T = 1024, 4096
 * and 8192 on each backend ({@code java}: the tiled Java kernel; {@code opencl}: the Aparapi
 * kernels on the first OpenCL GPU, else the first OpenCL device), against the double-precision
 * reference at T = 1024 as the baseline measured in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class FullAttentionBenchmark {
    private static final int HEADS = 4;
    private static final int DIM = 64;

    /** Inputs for the kernel under test. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1024", "4096", "8192"})
        public int length;

        @Param({"java", "opencl"})
        public String backend;

        FullAttentionSpec spec;
        float[] q;
        float[] k;
        float[] v;
        float[] dout;
        /** Null for the Java backend. */
        OpenClFullAttention opencl;

        @Setup
        public void setUp() {
            spec = new FullAttentionSpec(length, HEADS, HEADS, DIM, 0);
            SplittableRandom random = new SplittableRandom(42);
            q = gaussian(random, spec.querySize());
            k = gaussian(random, spec.kvSize());
            v = gaussian(random, spec.kvSize());
            dout = gaussian(random, spec.querySize());
            if (backend.equals("opencl")) {
                opencl = new OpenClFullAttention();
            }
        }

        @TearDown
        public void tearDown() {
            if (opencl != null) {
                opencl.close();
            }
        }

        FlashAttention.Result forward() {
            return opencl == null ? FlashAttention.forward(spec, q, k, v)
                    : opencl.forward(spec, q, k, v);
        }

        FlashAttention.Gradients backward(FlashAttention.Result result) {
            return opencl == null
                    ? FlashAttention.backward(spec, q, k, v, result.o(), result.lse(), dout)
                    : opencl.backward(spec, q, k, v, result.o(), result.lse(), dout);
        }
    }

    /** Inputs for the baseline, kept at a length where the O(T^2) double reference is usable. */
    @State(Scope.Benchmark)
    public static class BaselineInputs {
        @Param({"1024"})
        public int baselineLength;

        FullAttentionSpec spec;
        double[] q;
        double[] k;
        double[] v;
        double[] dout;

        @Setup
        public void setUp() {
            spec = new FullAttentionSpec(baselineLength, HEADS, HEADS, DIM, 0);
            SplittableRandom random = new SplittableRandom(42);
            q = widen(gaussian(random, spec.querySize()));
            k = widen(gaussian(random, spec.kvSize()));
            v = widen(gaussian(random, spec.kvSize()));
            dout = widen(gaussian(random, spec.querySize()));
        }
    }

    @Benchmark
    public FlashAttention.Result forward(Inputs in) {
        return in.forward();
    }

    @Benchmark
    public FlashAttention.Gradients forwardBackward(Inputs in) {
        return in.backward(in.forward());
    }

    @Benchmark
    public double[] referenceForward(BaselineInputs in) {
        return FullAttentionReference.forward(in.spec, in.q, in.k, in.v);
    }

    @Benchmark
    public FullAttentionReference.Gradients referenceForwardBackward(BaselineInputs in) {
        // The reference's backward recomputes the forward itself.
        return FullAttentionReference.backward(in.spec, in.q, in.k, in.v, in.dout);
    }

    static float[] gaussian(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
            values[i] = (float) (Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
                    * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return values;
    }

    static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
