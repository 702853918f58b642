package org.sparsa.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A test attention plugin, {@value #PLUGIN_ID}, built at test time with the JDK's compiler
 * against the API and core, that misbehaves as its configuration key {@code fail} says from
 * each layer's third forward pass on: {@code throw} throws, {@code hang} never returns (it
 * ignores interrupts, as a plugin stuck in a native call would), {@code nan} returns NaN, and
 * {@code none} is full attention throughout. Sweeping over {@code fail} gives trials that fail
 * each way beside a healthy one.
 */
final class FaultyAttentionBundle {
    static final String PLUGIN_ID = "faulty";
    static final String SYMBOLIC_NAME = "org.sparsa.test.faultyattention";
    static final String VERSION = "1.0.0";
    /** The plugin's main class; its layer is the nested {@code Layer}. */
    static final String CLASS_NAME = "org.sparsa.test.faultyattention.FaultyAttention";

    private static final String SOURCE = """
            package org.sparsa.test.faultyattention;

            import java.util.Hashtable;
            import java.util.List;
            import java.util.Set;
            import org.osgi.framework.BundleActivator;
            import org.osgi.framework.BundleContext;
            import org.sparsa.api.attention.AttentionInput;
            import org.sparsa.api.attention.AttentionLayer;
            import org.sparsa.api.attention.AttentionOutput;
            import org.sparsa.api.attention.AttentionPlugin;
            import org.sparsa.api.attention.AttentionShape;
            import org.sparsa.api.attention.KvCache;
            import org.sparsa.api.autograd.Ops;
            import org.sparsa.api.autograd.Variable;
            import org.sparsa.api.parameter.ParameterSpec;
            import org.sparsa.api.parameter.Parameters;
            import org.sparsa.api.plugin.PluginConfig;
            import org.sparsa.core.attention.FullAttentionFunction;

            public final class FaultyAttention implements AttentionPlugin, BundleActivator {
                @Override
                public void start(BundleContext context) {
                    Hashtable<String, Object> properties = new Hashtable<>();
                    properties.put("sparsa.plugin.kind", "ATTENTION");
                    properties.put("sparsa.plugin.id", "@ID@");
                    properties.put("sparsa.plugin.description", "full attention that fails on "
                            + "purpose");
                    properties.put("sparsa.plugin.config", new String[] {"fail:string=none - "
                            + "from the third forward pass: none, throw, hang or nan"});
                    context.registerService(AttentionPlugin.class, this, properties);
                }

                @Override
                public void stop(BundleContext context) {
                }

                @Override
                public List<ParameterSpec> parameterSpecs(AttentionShape shape,
                        PluginConfig config) {
                    return List.of();
                }

                @Override
                public AttentionLayer create(AttentionShape shape, PluginConfig config) {
                    return new Layer(config.string("fail", "none"));
                }

                static final class Layer implements AttentionLayer {
                    private final String fail;
                    private int calls;

                    Layer(String fail) {
                        this.fail = fail;
                    }

                    @Override
                    public Set<String> modes() {
                        return Set.of("dense");
                    }

                    @Override
                    public AttentionOutput forward(AttentionInput input, Parameters parameters,
                            String mode) {
                        calls++;
                        if (calls >= 3 && fail.equals("throw")) {
                            throw new IllegalStateException("fails on purpose in call " + calls);
                        }
                        if (calls >= 3 && fail.equals("hang")) {
                            hang();
                        }
                        Ops ops = input.q().ops();
                        Variable o = ops.apply(new FullAttentionFunction(0), input.q(),
                                input.k(), input.v()).get(0);
                        return new AttentionOutput(calls >= 3 && fail.equals("nan")
                                ? ops.scale(o, Double.NaN) : o, java.util.Map.of());
                    }

                    private static void hang() {
                        while (true) {
                            try {
                                Thread.sleep(60_000);
                            } catch (InterruptedException e) {
                                // Deaf to interrupts, as code stuck in a native call is.
                            }
                        }
                    }

                    @Override
                    public KvCache newCache(int batch, int maxLength) {
                        throw new UnsupportedOperationException("no decoding in this test");
                    }

                    @Override
                    public Variable decode(AttentionInput input, KvCache cache,
                            Parameters parameters, String mode) {
                        throw new UnsupportedOperationException("no decoding in this test");
                    }
                }
            }
            """;

    private FaultyAttentionBundle() {
    }

    /** The plugin as a bundle jar. */
    static byte[] jar() throws IOException {
        Path work = Files.createTempDirectory("faultyattention-");
        try {
            Path sources = work.resolve("src/org/sparsa/test/faultyattention");
            Files.createDirectories(sources);
            Path source = sources.resolve("FaultyAttention.java");
            Files.writeString(source, SOURCE.replace("@ID@", PLUGIN_ID));
            Path classes = work.resolve("classes");
            SwapAttentionBundles.compile(classes, source);
            return SwapAttentionBundles.pack(classes, SYMBOLIC_NAME, VERSION, CLASS_NAME,
                    "org.osgi.framework,org.sparsa.api.attention,org.sparsa.api.autograd,"
                    + "org.sparsa.api.parameter,org.sparsa.api.plugin,org.sparsa.core.attention");
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
