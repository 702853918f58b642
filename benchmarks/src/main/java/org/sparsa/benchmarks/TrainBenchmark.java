package org.sparsa.benchmarks;

import java.util.Collections;
import java.util.List;
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
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.LearningRateSchedule;
import org.sparsa.core.train.TrainStep;

/**
 * One training step of a small Llama-layout model (4 layers, dim 256, 4 heads of 64, SwiGLU
 * hidden 688, byte-level vocabulary of 256, untied head, full attention): forward, mean
 * next-token cross-entropy, backward, global-norm clipping and an AdamW step, on one sequence of
 * {@code length} seeded random tokens, on each backend. Tokens/s = length / (time per step).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class TrainBenchmark {
    static final int VOCAB = 256;
    static final int DIM = 256;
    static final int LAYERS = 4;
    static final int HEADS = 4;
    static final int FFN = 688;

    /** The model configuration shared with {@link DecodeBenchmark}. */
    static ModelConfig config() {
        return ModelConfig.llama(VOCAB, DIM, LAYERS, HEADS, HEADS, FFN);
    }

    /** A fresh model with seeded initial values on {@code compute}. */
    static LlamaModel model(Backend compute) {
        ModelConfig config = config();
        ParameterStore store = new ParameterStore(new Autograd(compute), 42);
        List<AttentionPlugin> plugins = Collections.nCopies(config.layers(),
                new FullAttentionPlugin());
        return new LlamaModel(config, store, plugins);
    }

    /** {@code batch x length} seeded random byte tokens. */
    static IntTensor tokens(int batch, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[batch * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(VOCAB);
        }
        return IntTensor.of(ids, batch, length);
    }

    static Backend open(String backend) {
        return Backends.open(BackendKind.valueOf(backend.toUpperCase(Locale.ROOT)));
    }

    /** The model, its optimiser and the batch. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1024"})
        public int length;

        @Param({"java", "opencl"})
        public String backend;

        Backend compute;
        LlamaModel model;
        TrainStep step;
        IntTensor tokens;

        @Setup
        public void setUp() {
            compute = open(backend);
            model = model(compute);
            AdamW optimizer = new AdamW(model.parameters(), AdamWOptions.of(3e-4));
            step = new TrainStep(optimizer, LearningRateSchedule.constant(3e-4), 1.0);
            tokens = tokens(1, length, 7);
        }

        @TearDown
        public void tearDown() {
            compute.close();
        }
    }

    @Benchmark
    public TrainStep.Result step(Inputs in) {
        return in.step.run(1, i -> in.model.loss(in.tokens));
    }
}
