package org.sparsa.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The packages the system bundle exports from the launcher class path: SLF4J (one logging
 * back end for every bundle), Logback (so that a run can add its own log file) and Aparapi,
 * which is not a bundle and loads a native library that must be loaded once per JVM; and the
 * incubating Vector API when the JVM was started with it ({@code bin/sparsa} does), which the
 * matrix product uses.
 */
final class HostPackages {

    /** The Vector API's module, whose one package has the module's name. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private HostPackages() {
    }

    /** The value for {@code org.osgi.framework.system.packages.extra}. */
    static String exports() {
        String exports = String.join(",",
                fromManifest(org.slf4j.LoggerFactory.class),
                fromManifest(ch.qos.logback.classic.LoggerContext.class),
                fromManifest(ch.qos.logback.core.Appender.class),
                scanned(com.aparapi.Kernel.class, "com/aparapi/"));
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()
                ? exports + "," + VECTOR_MODULE : exports;
    }

    /** The Export-Package header of an OSGi-ready jar, such as slf4j-api. */
    private static String fromManifest(Class<?> member) {
        try (JarFile jar = new JarFile(jarOf(member).toFile())) {
            String exports = jar.getManifest().getMainAttributes().getValue("Export-Package");
            if (exports == null) {
                throw new IllegalStateException(jarOf(member) + " has no Export-Package header");
            }
            return exports;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + jarOf(member), e);
        }
    }

    /** Every package under {@code prefix} in a plain jar, versioned by its Implementation-Version. */
    private static String scanned(Class<?> member, String prefix) {
        Path path = jarOf(member);
        try (JarFile jar = new JarFile(path.toFile())) {
            Attributes main = jar.getManifest() == null ? new Attributes()
                    : jar.getManifest().getMainAttributes();
            String version = osgiVersion(main.getValue("Implementation-Version"));
            Set<String> packages = new TreeSet<>();
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                int slash = name.lastIndexOf('/');
                if (name.startsWith(prefix) && name.endsWith(".class") && slash > 0) {
                    packages.add(name.substring(0, slash).replace('/', '.'));
                }
            }
            return String.join(",", packages.stream()
                    .map(p -> version == null ? p : p + ";version=" + version).toList());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static String osgiVersion(String implementationVersion) {
        if (implementationVersion == null) {
            return null;
        }
        String numeric = implementationVersion.replaceAll("[^0-9.].*$", "");
        return numeric.matches("\\d+(\\.\\d+){0,2}") ? numeric : null;
    }

    private static Path jarOf(Class<?> member) {
        try {
            return Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + member.getName(), e);
        }
    }
}
