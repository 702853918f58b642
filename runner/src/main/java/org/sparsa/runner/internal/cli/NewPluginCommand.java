package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.runner.internal.scaffold.PluginScaffold;
import org.sparsa.runner.internal.scaffold.PluginTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sparsa new plugin}: a standalone Maven project for a third-party plugin, built against
 * this distribution's API (from the Maven repository the distribution ships in
 * {@code repository/}) with the Maven wrapper it ships in {@code maven-wrapper/}.
 */
@Command(name = "plugin", mixinStandardHelpOptions = true,
        description = "Write a Maven project for a new plugin into DIR (new or empty): a "
                + "working plugin of the kind, its test (the testkit's conformance suite where "
                + "the kind has one), pom.xml, bnd.bnd, README.md and the Maven wrapper. "
                + "`./mvnw verify` in DIR builds the bundle; drop it into bundles/plugins/.")
public final class NewPluginCommand implements Callable<Integer> {
    private static final String API_POM_PROPERTIES =
            "META-INF/maven/org.sparsa/framework-api/pom.properties";

    @Option(names = "--kind", required = true, paramLabel = "KIND",
            description = "attention, policy, reward, stage or task.")
    String kind;

    @Option(names = "--id", required = true, paramLabel = "NAME",
            description = "The id recipes name the plugin by: [a-z][a-z0-9_]*.")
    String id;

    @Option(names = "--group-id", paramLabel = "GROUP", defaultValue = "org.example.sparsa",
            description = "The Maven group id; the package is GROUP.NAME.internal and the "
                    + "bundle GROUP.NAME (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Parameters(index = "0", paramLabel = "DIR", description = "The project folder; must not "
            + "exist or be empty.")
    Path folder;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<Path> home = Optional.ofNullable(System.getProperty("sparsa.home"))
                .map(Path::of);
        Optional<Path> repository = home.map(h -> h.resolve("repository"))
                .filter(Files::isDirectory);
        PluginScaffold scaffold = new PluginScaffold(PluginTemplate.of(kind), id, groupId,
                apiMavenVersion(), repository,
                home.map(h -> h.resolve("maven-wrapper")));
        List<Path> files = scaffold.write(folder);
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote the " + kind + " plugin '" + id + "' (" + scaffold.className()
                + ", bundle " + scaffold.bundleSymbolicName() + ") to " + folder + ":");
        files.forEach(file -> out.println("  " + file));
        boolean wrapper = files.contains(Path.of("mvnw"));
        out.println("next: cd " + folder + " && " + (wrapper ? "./mvnw" : "mvn") + " verify");
        if (repository.isEmpty()) {
            out.println("note: this distribution ships no Maven repository; install the API and "
                    + "testkit first (README.md)");
        }
        out.flush();
        return 0;
    }

    /**
     * The Maven version of the running framework API, from the {@code pom.properties} Maven
     * packs into its bundle (the bundle version itself has a build timestamp for a snapshot).
     */
    private static String apiMavenVersion() throws IOException {
        Bundle api = FrameworkUtil.getBundle(PluginConfig.class);
        URL entry = api == null ? null : api.getEntry(API_POM_PROPERTIES);
        if (entry == null) {
            throw new IllegalStateException("the framework API bundle has no "
                    + API_POM_PROPERTIES + "; cannot tell which API version to build against");
        }
        Properties properties = new Properties();
        try (InputStream in = entry.openStream()) {
            properties.load(in);
        }
        return properties.getProperty("version");
    }
}
