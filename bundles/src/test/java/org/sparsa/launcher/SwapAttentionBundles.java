package org.sparsa.launcher;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Revisions of a test attention plugin, {@value #PLUGIN_ID}, built at test time with the JDK's
 * compiler against the API and core on the test class path, every revision with the same class
 * names as a rebuilt plugin has. Its layer is full attention (core's exported
 * {@code FullAttentionFunction}) times a learnable gate {@code gate.weight [gate]}, and it adds
 * an auxiliary loss of value 0 named after its revision ({@code rev_2_0} for 2.0.0), so the
 * {@code aux/rev_…} metric of each step says which revision computed it. Each forward pass
 * waits {@value #PACE_MS} ms, which keeps a short run going long enough for a test to swap
 * plugins under it. The bundle's activator registers the plugin, as a plugin without
 * Declarative Services would.
 */
final class SwapAttentionBundles {
    static final String PLUGIN_ID = "swaptest";
    static final String SYMBOLIC_NAME = "org.sparsa.test.swapattention";
    static final long PACE_MS = 25;

    private static final String SOURCE = """
            package org.sparsa.test.swapattention;

            import java.util.Hashtable;
            import java.util.List;
            import java.util.Map;
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

            public final class SwapAttention implements AttentionPlugin, BundleActivator {
                static final String REVISION = "@REVISION@";

                @Override
                public void start(BundleContext context) {
                    Hashtable<String, Object> properties = new Hashtable<>();
                    properties.put("sparsa.plugin.kind", "ATTENTION");
                    properties.put("sparsa.plugin.id", "@ID@");
                    properties.put("sparsa.plugin.description", "test attention " + REVISION);
                    properties.put("sparsa.plugin.config", new String[0]);
                    context.registerService(AttentionPlugin.class, this, properties);
                }

                @Override
                public void stop(BundleContext context) {
                }

                @Override
                public List<ParameterSpec> parameterSpecs(AttentionShape shape,
                        PluginConfig config) {
                    return List.of(new ParameterSpec("gate.weight", List.of(@GATE@), "ones", 0));
                }

                @Override
                public AttentionLayer create(AttentionShape shape, PluginConfig config) {
                    return new Layer();
                }

                static final class Layer implements AttentionLayer {
                    @Override
                    public Set<String> modes() {
                        return Set.of("dense");
                    }

                    @Override
                    public AttentionOutput forward(AttentionInput input, Parameters parameters,
                            String mode) {
                        try {
                            Thread.sleep(@PACE@);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        Ops ops = input.q().ops();
                        Variable o = ops.apply(new FullAttentionFunction(0), input.q(),
                                input.k(), input.v()).get(0);
                        Variable gate = parameters.get("gate.weight");
                        return new AttentionOutput(ops.mul(o, gate),
                                Map.of(REVISION, ops.scale(ops.sum(gate, false), 0)));
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

    private SwapAttentionBundles() {
    }

    /**
     * The plugin as bundle version {@code version}, with a gate of {@code gate} values (the
     * model's head dimension, or another size for a revision whose parameters do not fit);
     * with {@code extraImport} set the bundle also imports that package, which no bundle
     * exports, so the revision does not resolve.
     */
    static byte[] jar(String version, int gate, String extraImport) throws IOException {
        Path work = Files.createTempDirectory("swapattention-");
        try {
            Path sources = work.resolve("src/org/sparsa/test/swapattention");
            Files.createDirectories(sources);
            Path source = sources.resolve("SwapAttention.java");
            Files.writeString(source, SOURCE.replace("@REVISION@", revisionName(version))
                    .replace("@ID@", PLUGIN_ID).replace("@GATE@", String.valueOf(gate))
                    .replace("@PACE@", String.valueOf(PACE_MS)));
            Path classes = work.resolve("classes");
            compile(classes, source);
            return pack(classes, version, extraImport);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The auxiliary loss the revision {@code version} adds: {@code rev_2_0} for 2.0.0. */
    static String revisionName(String version) {
        String[] parts = version.split("\\.");
        return "rev_" + parts[0] + "_" + parts[1];
    }

    /**
     * Compiles {@code source} into {@code classes} against the OSGi framework, the API and
     * core, as a plugin is built.
     */
    static void compile(Path classes, Path source) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler: the tests need a JDK, not a JRE");
        }
        Files.createDirectories(classes);
        StringWriter errors = new StringWriter();
        String classPath = String.join(File.pathSeparator,
                ScaleKernelBundles.jarOf(org.osgi.framework.BundleActivator.class),
                ScaleKernelBundles.jarOf(org.sparsa.api.attention.AttentionPlugin.class),
                ScaleKernelBundles.jarOf(org.sparsa.core.attention.FullAttentionFunction.class));
        List<String> options = List.of("-g", "--release", "17", "-proc:none",
                "-classpath", classPath, "-d", classes.toString());
        Boolean ok = compiler.getTask(errors, null, null, options, null,
                compiler.getStandardFileManager(null, null, null).getJavaFileObjectsFromStrings(
                        List.of(source.toString()))).call();
        if (!ok) {
            throw new IllegalStateException("test attention bundle did not compile:\n" + errors);
        }
    }

    private static byte[] pack(Path classes, String version, String extraImport)
            throws IOException {
        return pack(classes, SYMBOLIC_NAME, version,
                "org.sparsa.test.swapattention.SwapAttention",
                "org.osgi.framework,org.sparsa.api.attention,org.sparsa.api.autograd,"
                + "org.sparsa.api.parameter,org.sparsa.api.plugin,org.sparsa.core.attention"
                + (extraImport == null ? "" : "," + extraImport));
    }

    /** The classes in {@code classes} as a bundle jar whose activator registers the plugin. */
    static byte[] pack(Path classes, String symbolicName, String version, String activator,
            String imports) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        main.putValue("Bundle-Activator", activator);
        main.putValue("Import-Package", imports);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(classes.relativize(file).toString()
                        .replace('\\', '/')));
                jar.write(Files.readAllBytes(file));
                jar.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
