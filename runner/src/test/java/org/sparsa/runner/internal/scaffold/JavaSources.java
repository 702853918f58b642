package org.sparsa.runner.internal.scaffold;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles a plugin project's Java sources with the JDK's compiler against what its pom puts on
 * the class path: the API, the DS and OSGi annotations, the testkit with core, and JUnit.
 */
final class JavaSources {
    private JavaSources() {
    }

    /**
     * Compiles every {@code .java} file under {@code sources} into {@code classes}.
     *
     * @return the compiler's messages, empty when there were none
     * @throws AssertionError with the compiler's messages when a file does not compile
     */
    static String compile(Path sources, Path classes) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler: the tests need a JDK, not a JRE");
        }
        List<String> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).map(Path::toString)
                    .sorted().toList();
        }
        Files.createDirectories(classes);
        StringWriter messages = new StringWriter();
        List<String> options = List.of("--release", "17", "-proc:none", "-Xlint:all,-processing",
                "-classpath", classPath(), "-d", classes.toString());
        boolean ok = compiler.getTask(messages, null, null, options, null,
                compiler.getStandardFileManager(null, null, null)
                        .getJavaFileObjectsFromStrings(files)).call();
        if (!ok) {
            throw new AssertionError("the sources under " + sources + " do not compile:\n"
                    + messages);
        }
        return messages.toString();
    }

    private static String classPath() {
        return Stream.of(org.sparsa.api.plugin.PluginInfo.class,
                        org.osgi.service.component.annotations.Component.class,
                        org.osgi.annotation.versioning.ConsumerType.class,
                        org.sparsa.testkit.conformance.AttentionPluginConformance.class,
                        org.sparsa.core.autograd.Autograd.class,
                        org.junit.jupiter.api.Test.class,
                        org.junit.jupiter.params.ParameterizedTest.class,
                        org.opentest4j.AssertionFailedError.class,
                        org.apiguardian.api.API.class)
                .map(JavaSources::location).distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Where a class on the test class path was loaded from (surefire's class path is a jar). */
    private static String location(Class<?> member) {
        try {
            return Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + member.getName(), e);
        }
    }
}
