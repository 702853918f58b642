package org.sparsa.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OSGi framework (Apache Felix) booted from a {@link Distribution}: every system bundle is
 * installed before any is started, then FileInstall brings in the plugin folder, and
 * {@link #execute} hands a command line to the runner bundle. Each instance keeps its bundle
 * cache in a fresh temporary folder that {@link #close()} deletes, so runs never share state.
 */
public final class EmbeddedFramework implements AutoCloseable {
    /** Manifest header naming the runner's command-line entry class. */
    public static final String COMMAND_LINE_HEADER = "Sparsa-Command-Line";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFramework.class);
    private static final Duration PLUGIN_ARRIVAL = Duration.ofSeconds(20);
    private static final Duration PLUGIN_START = Duration.ofSeconds(3);

    private final Distribution distribution;
    private final Framework framework;
    private final Path storage;

    private EmbeddedFramework(Distribution distribution, Framework framework, Path storage) {
        this.distribution = distribution;
        this.framework = framework;
        this.storage = storage;
    }

    /**
     * Boots the framework of {@code distribution} and waits until the plugins found in its
     * plugin folder are installed and, unless they cannot resolve, started.
     *
     * @param properties extra framework properties, overriding the defaults
     * @throws BundleException when a system bundle cannot be installed
     */
    public static EmbeddedFramework start(Distribution distribution,
            Map<String, String> properties) throws IOException, BundleException {
        Path storage = Files.createTempDirectory("sparsa-osgi-");
        Map<String, Object> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, HostPackages.exports());
        config.put("felix.log.logger", new FelixLogBridge());
        config.put("felix.log.level", LOG.isDebugEnabled() ? "4" : "2");
        config.put("felix.fileinstall.dir", distribution.plugins().toString());
        config.put("felix.fileinstall.poll", "500");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.log.default", "jul");
        config.put("felix.fileinstall.log.level", LOG.isDebugEnabled() ? "4" : "2");
        config.putAll(properties);

        @SuppressWarnings({"unchecked", "rawtypes"})
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                .newFramework((Map) config);
        EmbeddedFramework embedded = new EmbeddedFramework(distribution, framework, storage);
        try {
            framework.init();
            embedded.installAndStartSystemBundles();
            framework.start();
            embedded.awaitPlugins();
        } catch (IOException | BundleException | RuntimeException e) {
            embedded.close();
            throw e;
        }
        return embedded;
    }

    /** The system bundle's context, for tests and tools that inspect the framework. */
    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** The distribution this framework runs. */
    public Distribution distribution() {
        return distribution;
    }

    private void installAndStartSystemBundles() throws IOException, BundleException {
        BundleContext context = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        // All first: SCR and its DS API bundles only resolve once every one is present.
        for (Path jar : Distribution.jars(distribution.systemBundles())) {
            installed.add(context.installBundle(jar.toUri().toString()));
        }
        for (Bundle bundle : installed) {
            if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                bundle.start();
            } catch (BundleException e) {
                // Keep going: `sparsa doctor` reports the bundle and its missing requirement.
                LOG.error("bundle {} did not start: {}", bundle.getSymbolicName(), e.getMessage());
            }
        }
    }

    /**
     * Waits until every jar in the plugin folder is a bundle (FileInstall installs them in the
     * background), then gives them a moment to start; a plugin that cannot resolve stays
     * INSTALLED and is reported by {@code doctor}.
     */
    private void awaitPlugins() throws IOException {
        List<Path> expected = Distribution.jars(distribution.plugins());
        long arrivalDeadline = System.nanoTime() + PLUGIN_ARRIVAL.toNanos();
        while (!pluginBundles(expected).stream().allMatch(b -> b != null)) {
            if (System.nanoTime() > arrivalDeadline) {
                LOG.warn("plugins not installed after {} s: {}", PLUGIN_ARRIVAL.toSeconds(),
                        expected);
                return;
            }
            pause();
        }
        long startDeadline = System.nanoTime() + PLUGIN_START.toNanos();
        while (!pluginBundles(expected).stream().allMatch(b -> b.getState() == Bundle.ACTIVE)
                && System.nanoTime() < startDeadline) {
            pause();
        }
    }

    /** The bundle installed from each jar, or null where there is none yet. */
    private List<Bundle> pluginBundles(List<Path> jars) {
        Map<Path, Bundle> byPath = new HashMap<>();
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            Path path = locationPath(bundle.getLocation());
            if (path != null) {
                byPath.put(path, bundle);
            }
        }
        List<Bundle> out = new ArrayList<>(jars.size());
        for (Path jar : jars) {
            out.add(byPath.get(jar.toAbsolutePath().normalize()));
        }
        return out;
    }

    private static Path locationPath(String location) {
        try {
            URI uri = new URI(location).normalize();
            return "file".equals(uri.getScheme()) ? Path.of(uri).toAbsolutePath().normalize() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for plugins", e);
        }
    }

    /**
     * Runs one {@code sparsa} command line in the runner bundle.
     *
     * @return the command's exit code
     */
    public int execute(String[] args, PrintStream out, PrintStream err) {
        Bundle runner = findRunner();
        if (runner == null) {
            err.println("error: no bundle with a " + COMMAND_LINE_HEADER + " header is installed "
                    + "in " + distribution.systemBundles());
            return 1;
        }
        if (runner.getState() != Bundle.ACTIVE) {
            try {
                runner.start();
            } catch (BundleException e) {
                err.println("error: the runner bundle cannot start: " + e.getMessage());
                return 1;
            }
        }
        String entry = runner.getHeaders("").get(COMMAND_LINE_HEADER);
        try {
            Method execute = runner.loadClass(entry).getMethod("execute", BundleContext.class,
                    String[].class, PrintStream.class, PrintStream.class);
            return (Integer) execute.invoke(null, runner.getBundleContext(), args, out, err);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the command line failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("runner bundle " + runner.getSymbolicName()
                    + " has no usable " + entry + ".execute", e);
        }
    }

    private Bundle findRunner() {
        for (Bundle bundle : framework.getBundleContext().getBundles()) {
            if (bundle.getHeaders("").get(COMMAND_LINE_HEADER) != null) {
                return bundle;
            }
        }
        return null;
    }

    /** Stops the framework and deletes its bundle cache. */
    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(Duration.ofSeconds(30).toMillis());
        } catch (BundleException e) {
            LOG.warn("framework did not stop cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteRecursively(storage);
        }
    }

    private static void deleteRecursively(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", folder, e.getMessage());
        }
    }
}
