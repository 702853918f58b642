package org.sparsa.benchmarks;

import java.util.Locale;
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
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.MatmulShape;

/**
 * Square single-precision matrix products {@code [n, n] x [n, n]} at n = 512, 1024 and 2048 on
 * each backend ({@code java}: the blocked multi-threaded Java GEMM; {@code opencl}: the tiled
 * Aparapi kernel on the first OpenCL GPU, else the first OpenCL device), against the plain
 * single-threaded {@code i-k-j} triple loop at n = 512 as the baseline measured in the same run.
 * A product does {@code 2 n^3} floating-point operations: GFLOP/s = 2 n^3 / (time in ns).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBenchmark {

    /** Inputs for the backend under test. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"512", "1024", "2048"})
        public int size;

        @Param({"java", "opencl"})
        public String backend;

        Backend compute;
        MatmulShape shape;
        float[] a;
        float[] b;
        float[] c;

        @Setup
        public void setUp() {
            compute = Backends.open(BackendKind.valueOf(backend.toUpperCase(Locale.ROOT)));
            shape = MatmulShape.of(size, size, size);
            SplittableRandom random = new SplittableRandom(42);
            a = FullAttentionBenchmark.gaussian(random, size * size);
            b = FullAttentionBenchmark.gaussian(random, size * size);
            c = new float[size * size];
        }

        @TearDown
        public void tearDown() {
            compute.close();
        }
    }

    /** Inputs for the baseline, kept at a size where the plain loop takes well under a second. */
    @State(Scope.Benchmark)
    public static class BaselineInputs {
        @Param({"512"})
        public int baselineSize;

        float[] a;
        float[] b;
        float[] c;

        @Setup
        public void setUp() {
            SplittableRandom random = new SplittableRandom(42);
            a = FullAttentionBenchmark.gaussian(random, baselineSize * baselineSize);
            b = FullAttentionBenchmark.gaussian(random, baselineSize * baselineSize);
            c = new float[baselineSize * baselineSize];
        }
    }

    @Benchmark
    public float[] matmul(Inputs in) {
        in.compute.matmul(in.shape, in.a, in.b, in.c);
        return in.c;
    }

    /** The plain {@code i-k-j} loop on one thread. */
    @Benchmark
    public float[] naive(BaselineInputs in) {
        int n = in.baselineSize;
        float[] a = in.a;
        float[] b = in.b;
        float[] c = in.c;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = 0f;
            }
            for (int p = 0; p < n; p++) {
                float v = a[i * n + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += v * b[p * n + j];
                }
            }
        }
        return c;
    }
}
