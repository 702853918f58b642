package org.sparsa.runner.internal.bench;

import java.util.List;
import java.util.function.Consumer;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.Sampler;
import org.sparsa.core.random.SplitMix64;

/**
 * {@code decode}: greedy generation with the per-layer KV caches ({@link Generator}) from
 * {@link BenchModel} per attention plugin, batch 1: the prefill of a seeded random prompt, then
 * {@code new_tokens} tokens one at a time; the time includes the prefill, as the baseline's
 * does. Records {@code prompt}, {@code new_tokens}, {@code seconds} and
 * {@code tokens_per_second} ({@code new_tokens / seconds}).
 *
 * @param plugins the attention plugin ids, one model each
 * @param prompt prompt tokens; the baseline's 16
 * @param newTokens tokens generated; the baseline's 512
 * @param model the model's sizes
 */
public record DecodeWorkload(List<String> plugins, int prompt, int newTokens, BenchModel model)
        implements Workload {
    /** The baseline's prompt length. */
    public static final int BASELINE_PROMPT = 16;
    /** The baseline's number of generated tokens. */
    public static final int BASELINE_NEW_TOKENS = 512;

    public DecodeWorkload {
        plugins = List.copyOf(plugins);
        if (plugins.isEmpty()) {
            throw new IllegalArgumentException("decode: --plugin names no plugin");
        }
        if (prompt < 1) {
            throw new IllegalArgumentException("decode: --prompt must be at least 1, found "
                    + prompt);
        }
        if (newTokens < 1) {
            throw new IllegalArgumentException("decode: --new-tokens must be at least 1, found "
                    + newTokens);
        }
    }

    @Override
    public String name() {
        return "decode";
    }

    @Override
    public int baselineRepeats() {
        return 3;
    }

    @Override
    public void run(BenchContext context, Consumer<Measurement> sink) {
        MedianTimer timer = context.timer(baselineRepeats());
        for (String id : plugins) {
            Generator generator = new Generator(model.build(context, id, prompt + newTokens));
            IntTensor tokens = promptTokens(context);
            // Greedy picking draws nothing from the random stream.
            double seconds = timer.seconds(() -> () -> generator.generate(tokens, newTokens,
                    Sampler.greedy(), SplitMix64.forPurpose(context.seed(), "decode.sampler"),
                    null));
            sink.accept(Measurement.of(name(), context.backendName())
                    .with(Measurement.PLUGIN, id)
                    .with("prompt", prompt)
                    .with("new_tokens", newTokens)
                    .with("seconds", seconds)
                    .with("tokens_per_second", newTokens / seconds));
        }
    }

    private IntTensor promptTokens(BenchContext context) {
        SplitMix64 random = SplitMix64.forPurpose(context.seed(), "decode.prompt");
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            ids[i] = random.nextInt(model.vocab());
        }
        return IntTensor.of(ids, 1, prompt);
    }
}
