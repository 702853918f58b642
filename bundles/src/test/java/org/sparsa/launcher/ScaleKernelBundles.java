package org.sparsa.launcher;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
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
 * Test bundles holding one Aparapi kernel, {@code out[i] = a[i] * factor}, with the factor
 * compiled into the bytecode: every version has the same class names, as a rebuilt plugin
 * does. Built at test time with the JDK's compiler against the test class path (Aparapi and
 * core's exported {@code org.sparsa.core.compute.opencl}).
 *
 * <p>The bundle's {@value #PROBE} runs the kernel: {@code java(float[])} on Aparapi's Java
 * thread pool, {@code openCl(float[])} through core's {@code Launcher} on the first OpenCL
 * device. Both keep their last kernel undisposed in a static field, as a careless plugin would,
 * so that only the framework's clean-up lets the revision's class loader go.
 */
final class ScaleKernelBundles {
    static final String SYMBOLIC_NAME = "org.sparsa.test.kernelswap";
    static final String PROBE = "org.sparsa.test.kernelswap.Probe";

    private static final String KERNEL_SOURCE = """
            package org.sparsa.test.kernelswap;

            import com.aparapi.Kernel;
            import org.sparsa.core.compute.opencl.RangeKernel;

            public final class ScaleKernel extends Kernel implements RangeKernel {
                private float[] a = new float[1];
                private float[] out = new float[1];
                private int items;
                private int first;

                public void bind(float[] a, float[] out) {
                    this.a = a;
                    this.out = out;
                    this.items = a.length;
                }

                @Override
                public void offset(int first) {
                    this.first = first;
                }

                @Override
                public void run() {
                    int id = first + getGlobalId();
                    if (id < items) {
                        out[id] = a[id] * FACTOR;
                    }
                }
            }
            """;

    private static final String PROBE_SOURCE = """
            package org.sparsa.test.kernelswap;

            import com.aparapi.Range;
            import com.aparapi.device.JavaDevice;
            import com.aparapi.internal.kernel.KernelManager;
            import java.util.LinkedHashSet;
            import java.util.List;
            import org.sparsa.core.compute.opencl.KernelCaches;
            import org.sparsa.core.compute.opencl.Launcher;

            public final class Probe {
                private static ScaleKernel lastJava;
                private static ScaleKernel lastOpenCl;

                private Probe() {
                }

                public static float[] java(float[] a) {
                    float[] out = new float[a.length];
                    ScaleKernel kernel = new ScaleKernel();
                    kernel.bind(a, out);
                    // Only the Java pool, over whole groups (it skips items past the last one).
                    KernelManager.instance().setPreferredDevices(kernel,
                            new LinkedHashSet<>(List.of(JavaDevice.THREAD_POOL)));
                    kernel.execute(Range.create((a.length + 15) / 16 * 16, 16));
                    KernelCaches.ran(kernel);
                    lastJava = kernel;
                    return out;
                }

                public static float[] openCl(float[] a) {
                    Launcher launcher = new Launcher(Launcher.firstDevice().orElseThrow(), 16,
                            Integer.MAX_VALUE);
                    float[] out = new float[a.length];
                    ScaleKernel kernel = new ScaleKernel();
                    kernel.bind(a, out);
                    launcher.build(kernel);
                    kernel.put(a);
                    launcher.run(kernel, a.length);
                    kernel.get(out);
                    lastOpenCl = kernel;
                    return out;
                }
            }
            """;

    private ScaleKernelBundles() {
    }

    /**
     * The bundle jar whose kernel multiplies by {@code factor}, as version
     * {@code version.0.0}.
     */
    static byte[] jar(int factor, int version) throws IOException {
        Path work = Files.createTempDirectory("kernelswap-");
        try {
            Path sources = work.resolve("src/org/sparsa/test/kernelswap");
            Files.createDirectories(sources);
            Path kernel = sources.resolve("ScaleKernel.java");
            Path probe = sources.resolve("Probe.java");
            Files.writeString(kernel, KERNEL_SOURCE.replace("FACTOR", factor + ".0f"));
            Files.writeString(probe, PROBE_SOURCE);
            Path classes = work.resolve("classes");
            compile(classes, kernel, probe);
            return pack(classes, version);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void compile(Path classes, Path... sources) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler: the tests need a JDK, not a JRE");
        }
        Files.createDirectories(classes);
        StringWriter errors = new StringWriter();
        List<String> options = List.of("-g", "--release", "17", "-proc:none",
                "-classpath", jarOf(com.aparapi.Kernel.class) + File.pathSeparator
                        + jarOf(org.sparsa.core.compute.opencl.Launcher.class),
                "-d", classes.toString());
        List<String> files = Stream.of(sources).map(Path::toString).toList();
        Boolean ok = compiler.getTask(errors, null, null, options, null,
                compiler.getStandardFileManager(null, null, null).getJavaFileObjectsFromStrings(
                        files)).call();
        if (!ok) {
            throw new IllegalStateException("test kernel bundle did not compile:\n" + errors);
        }
    }

    /** Where a class on the test class path was loaded from (failsafe's class path is a jar). */
    static String jarOf(Class<?> member) {
        try {
            return Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + member.getName(), e);
        }
    }

    private static byte[] pack(Path classes, int version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SYMBOLIC_NAME);
        main.putValue("Bundle-Version", version + ".0.0");
        main.putValue("Import-Package", "com.aparapi,com.aparapi.device,"
                + "com.aparapi.internal.kernel,"
                + "org.sparsa.core.compute.opencl;version=\"[0.2,1)\"");
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
