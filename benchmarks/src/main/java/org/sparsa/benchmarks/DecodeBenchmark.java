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
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.model.Generation;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.Sampler;

/**
 * Greedy decoding with the per-layer KV caches through {@link Generator}: a prefill of a
 * {@code prompt}-token seeded random prompt, then {@code steps} new tokens one at a time, batch
 * 1, on the model of {@link TrainBenchmark} (4 layers, dim 256, 4 heads of 64, vocabulary 256)
 * on each backend. The time includes the prefill; tokens/s = steps / (time per run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class DecodeBenchmark {

    /** The model, its generator and the prompt. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"64"})
        public int prompt;

        @Param({"64"})
        public int steps;

        @Param({"java", "opencl"})
        public String backend;

        Backend compute;
        Generator generator;
        IntTensor tokens;

        @Setup
        public void setUp() {
            compute = TrainBenchmark.open(backend);
            generator = new Generator(TrainBenchmark.model(compute));
            tokens = TrainBenchmark.tokens(1, prompt, 11);
        }

        @TearDown
        public void tearDown() {
            compute.close();
        }
    }

    @Benchmark
    public Generation greedy(Inputs in) {
        // Greedy picking draws nothing from the generator.
        return in.generator.generate(in.tokens, in.steps, Sampler.greedy(),
                new SplittableRandom(1), null);
    }
}
