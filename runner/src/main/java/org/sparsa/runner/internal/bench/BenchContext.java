package org.sparsa.runner.internal.bench;

import java.util.Locale;
import java.util.Objects;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.compute.Backend;
import org.sparsa.runner.internal.plugins.PluginSource;

/**
 * What every workload of one {@code sparsa bench} command shares: the open backend, the timing
 * settings, the seed its inputs and initial values derive from, and the attention plugins with
 * their configurations.
 *
 * @param backend the backend every measurement runs on
 * @param warmup untimed runs before the timed ones
 * @param repeats timed runs, or null for each workload's baseline count
 * @param seed the seed of the inputs and the parameters' initial values
 * @param plugins where attention plugins come from (the OSGi registry in the distribution)
 * @param configs each plugin's configuration under its id ({@code dsa: {top_k: 512}}); a plugin
 *     without one gets its defaults
 */
public record BenchContext(Backend backend, int warmup, Integer repeats, long seed,
        PluginSource plugins, PluginConfig configs) {

    public BenchContext {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(configs, "configs");
        // Checks the counts now, before any workload starts.
        new MedianTimer(warmup, repeats == null ? 1 : repeats);
    }

    /** The timer for a workload whose baseline repeats {@code baselineRepeats} times. */
    public MedianTimer timer(int baselineRepeats) {
        return new MedianTimer(warmup, repeats == null ? baselineRepeats : repeats,
                MedianTimer.WARMUP_SECONDS);
    }

    /**
     * The backend's name as measurements record it: {@code java}, {@code opencl}, or
     * {@code mixed} when a calibrated {@code auto} runs op families on different backends (its
     * description, which starts with {@code mixed:}, says which; {@code bench.json} keeps it).
     */
    public String backendName() {
        return backend.description().startsWith("mixed:") ? "mixed"
                : backend.kind().name().toLowerCase(Locale.ROOT);
    }

    /** The attention plugin registered under {@code id}. */
    public AttentionPlugin attention(String id) {
        return plugins.get(PluginKind.ATTENTION, id, AttentionPlugin.class);
    }

    /** The configuration of plugin {@code id}: its section of {@link #configs}. */
    public PluginConfig configOf(String id) {
        return configs.section(id);
    }

    /** {@code size} seeded standard normal values, a stream of their own per {@code purpose}. */
    public float[] gaussian(String purpose, int size) {
        SplitMix64 random = SplitMix64.forPurpose(seed, purpose);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
