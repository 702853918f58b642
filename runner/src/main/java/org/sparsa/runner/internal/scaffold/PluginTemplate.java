package org.sparsa.runner.internal.scaffold;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The plugin kinds {@code sparsa new plugin} can start, each with the template files of its
 * sources and tests (under {@code templates/<kind>/} next to this class) and where they go in
 * the new project. {@code {{className}}} in a target path is the plugin's class name.
 */
public enum PluginTemplate {
    ATTENTION("Attention",
            List.of("Plugin.java", "Layer.java", "Cache.java"),
            List.of("ConformanceTest.java")),
    POLICY("Objective",
            List.of("Plugin.java", "Loss.java"),
            List.of("ConformanceTest.java")),
    REWARD("Reward",
            List.of("Plugin.java"),
            List.of("ConformanceTest.java")),
    STAGE("Stage",
            List.of("Plugin.java"),
            List.of("Test.java")),
    TASK("Task",
            List.of("Plugin.java"),
            List.of("Test.java"));

    private final String classSuffix;
    private final List<String> mainTemplates;
    private final List<String> testTemplates;

    PluginTemplate(String classSuffix, List<String> mainTemplates, List<String> testTemplates) {
        this.classSuffix = classSuffix;
        this.mainTemplates = mainTemplates;
        this.testTemplates = testTemplates;
    }

    /** The name the command line uses: {@code attention}, {@code policy}, … */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Appended to the plugin id's camel case to name its main class, unless already there. */
    String classSuffix() {
        return classSuffix;
    }

    /** Templates of the main sources; {@code Plugin.java} becomes {@code {{className}}.java}. */
    List<String> mainTemplates() {
        return mainTemplates;
    }

    /** Templates of the test sources, named like the main ones. */
    List<String> testTemplates() {
        return testTemplates;
    }

    /** Every kind's id, comma separated, for messages and help. */
    public static String ids() {
        return Arrays.stream(values()).map(PluginTemplate::id).collect(Collectors.joining(", "));
    }

    /**
     * The kind named {@code id}.
     *
     * @throws IllegalArgumentException naming the kinds there are when there is no such kind
     */
    public static PluginTemplate of(String id) {
        for (PluginTemplate template : values()) {
            if (template.id().equals(id)) {
                return template;
            }
        }
        throw new IllegalArgumentException("unknown plugin kind '" + id + "'; expected one of "
                + ids());
    }
}
