package org.sparsa.runner.internal.scaffold;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;

/**
 * Writes a standalone Maven project for a third-party plugin of one kind: a minimal but working
 * plugin, a test of it (the testkit's conformance suite where the kind has one), a
 * {@code pom.xml} that builds an OSGi bundle against the distribution's API, a {@code bnd.bnd},
 * a README and, when the distribution ships them, a {@code .mvn/maven.config} that finds the API
 * and testkit in the distribution's Maven repository and the Maven wrapper.
 *
 * <p>Templates are plain text with {@code {{name}}} placeholders; every placeholder must be
 * known, so a template cannot silently keep one.
 */
public final class PluginScaffold {
    /** What a plugin id must look like: it is a recipe id, a package name and an artifact id. */
    public static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern GROUP_ID = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");
    private static final String TEMPLATES = "templates/";
    /** Files of every project; {@code gitignore} is {@code .gitignore} (builds drop dot files). */
    private static final List<String> COMMON = List.of("pom.xml", "bnd.bnd", "README.md",
            "gitignore");
    private static final List<String> WRAPPER = List.of("mvnw", "mvnw.cmd",
            ".mvn/wrapper/maven-wrapper.properties");

    private final PluginTemplate kind;
    private final String id;
    private final String groupId;
    private final String sparsaVersion;
    private final Optional<Path> repository;
    private final Optional<Path> wrapper;

    /**
     * @param kind the plugin kind
     * @param id the plugin id recipes name it by, {@code [a-z][a-z0-9_]*}
     * @param groupId the Maven group id; with the id it names the package and the bundle
     * @param sparsaVersion the Maven version of the framework API the plugin builds against
     * @param repository a Maven repository (a folder) holding that API and the testkit, chained
     *     behind the user's local repository; empty when they come from the user's own
     * @param wrapper a folder with the Maven wrapper ({@code mvnw}, {@code mvnw.cmd},
     *     {@code .mvn/wrapper}) to copy into the project; empty to build with {@code mvn}
     * @throws IllegalArgumentException when the id or group id is not valid
     */
    public PluginScaffold(PluginTemplate kind, String id, String groupId, String sparsaVersion,
            Optional<Path> repository, Optional<Path> wrapper) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("plugin id '" + id + "' must match " + ID
                    + ": a lower-case letter, then lower-case letters, digits or _");
        }
        if (SourceVersion.isKeyword(id)) {
            throw new IllegalArgumentException("plugin id '" + id + "' is a Java keyword; it "
                    + "names the plugin's package, so choose another");
        }
        if (groupId == null || !GROUP_ID.matcher(groupId).matches()
                || Stream.of(groupId.split("\\.")).anyMatch(SourceVersion::isKeyword)) {
            throw new IllegalArgumentException("group id '" + groupId + "' must be dot-separated "
                    + "lower-case package names, such as org.example");
        }
        this.kind = kind;
        this.id = id;
        this.groupId = groupId;
        this.sparsaVersion = sparsaVersion;
        this.repository = repository;
        this.wrapper = wrapper.filter(folder -> Files.isRegularFile(folder.resolve("mvnw")));
    }

    /** The plugin's main class: the id in camel case and the kind's suffix. */
    public String className() {
        StringBuilder name = new StringBuilder();
        for (String part : id.split("_")) {
            if (!part.isEmpty()) {
                name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        if (!name.toString().endsWith(kind.classSuffix())) {
            name.append(kind.classSuffix());
        }
        return name.toString();
    }

    /** The package of the plugin's classes, never exported. */
    public String packageName() {
        return groupId + "." + id + ".internal";
    }

    /** The bundle's symbolic name. */
    public String bundleSymbolicName() {
        return groupId + "." + id;
    }

    /** The Maven artifact id: the plugin id with dashes. */
    public String artifactId() {
        return id.replace('_', '-');
    }

    /**
     * Writes the project into {@code folder}, which must be missing or empty.
     *
     * @return the files written, relative to {@code folder}, in order
     * @throws IllegalArgumentException when {@code folder} is a file or a folder with files in it
     */
    public List<Path> write(Path folder) throws IOException {
        if (Files.exists(folder)) {
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException(folder + " is a file; name a new or empty "
                        + "folder for the plugin project");
            }
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(folder + " is not empty; name a new or "
                            + "empty folder for the plugin project (nothing is overwritten)");
                }
            }
        }
        Map<String, String> values = placeholders();
        Map<Path, String> files = new LinkedHashMap<>();
        for (String name : COMMON) {
            files.put(Path.of(name.equals("gitignore") ? ".gitignore" : name),
                    fill("common/" + name, values));
        }
        String packagePath = packageName().replace('.', '/');
        for (String name : kind.mainTemplates()) {
            files.put(Path.of("src/main/java", packagePath, javaFile(name)),
                    fill(kind.id() + "/" + name, values));
        }
        for (String name : kind.testTemplates()) {
            files.put(Path.of("src/test/java", packagePath, javaFile(name)),
                    fill(kind.id() + "/" + name, values));
        }
        repository.ifPresent(shipped -> files.put(Path.of(".mvn/maven.config"),
                mavenConfig(shipped)));
        List<Path> written = new ArrayList<>();
        for (Map.Entry<Path, String> file : files.entrySet()) {
            Path target = folder.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue(), StandardCharsets.UTF_8);
            written.add(file.getKey());
        }
        if (wrapper.isPresent()) {
            for (String name : WRAPPER) {
                Path source = wrapper.get().resolve(name);
                if (Files.isRegularFile(source)) {
                    Path target = folder.resolve(name);
                    Files.createDirectories(target.getParent());
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                    written.add(Path.of(name));
                }
            }
            makeExecutable(folder.resolve("mvnw"));
        }
        return written;
    }

    /** {@code Plugin.java} is the class itself; the others are named after it. */
    private String javaFile(String template) {
        return template.equals("Plugin.java") ? className() + ".java" : className() + template;
    }

    private Map<String, String> placeholders() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("kind", kind.id());
        values.put("groupId", groupId);
        values.put("artifactId", artifactId());
        values.put("package", packageName());
        values.put("className", className());
        values.put("bundleSymbolicName", bundleSymbolicName());
        values.put("sparsaVersion", sparsaVersion);
        values.put("repositoryNote", repository.map(folder -> "The framework's API and testkit "
                + "come from the Maven repository the\ndistribution ships, `" + folder
                + "`,\nwhich `.mvn/maven.config` chains behind your local repository (read "
                + "only; Maven 3.9 or\nnewer).").orElse("Install the framework's API and testkit "
                + "into your local Maven repository first: in a\nSparsa checkout, `./mvnw "
                + "install -DskipTests -pl framework-testkit -am`."));
        values.put("mvn", wrapper.isPresent() ? "./mvnw" : "mvn");
        return values;
    }

    /**
     * Chains the distribution's repository behind the user's local one, read only: the API and
     * testkit resolve from it as if installed, before any release is published.
     */
    private static String mavenConfig(Path repository) {
        return "-Dmaven.repo.local.tail=" + repository.toAbsolutePath().normalize() + "\n";
    }

    private String fill(String template, Map<String, String> values) {
        String resource = TEMPLATES + template + ".tmpl";
        String text;
        try (InputStream in = PluginScaffold.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("scaffold template " + resource + " is missing "
                        + "from the runner bundle");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scaffold template " + resource, e);
        }
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                int line = (int) text.substring(0, matcher.start()).chars()
                        .filter(c -> c == '\n').count() + 1;
                throw new IllegalStateException("scaffold template " + resource + " line " + line
                        + ": unknown placeholder {{" + matcher.group(1) + "}}; known: "
                        + values.keySet());
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static void makeExecutable(Path file) throws IOException {
        if (Files.isRegularFile(file) && !System.getProperty("os.name", "")
                .toLowerCase(Locale.ROOT).startsWith("windows")) {
            Files.setPosixFilePermissions(file, Set.copyOf(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
        }
    }
}
