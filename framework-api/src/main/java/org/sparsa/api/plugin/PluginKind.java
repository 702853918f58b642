package org.sparsa.api.plugin;

import java.util.Locale;

/**
 * The kinds of plugin Sparsa knows, each tied to the service interface a plugin of that kind
 * registers. The kind is published as the {@value PluginProperties#KIND} service property.
 */
public enum PluginKind {
    /** An attention variant ({@code org.sparsa.api.attention.AttentionPlugin}). */
    ATTENTION("org.sparsa.api.attention.AttentionPlugin"),
    /** A policy objective for RL ({@code org.sparsa.api.policy.PolicyObjective}). */
    POLICY("org.sparsa.api.policy.PolicyObjective"),
    /** A reward model ({@code org.sparsa.api.reward.RewardModel}). */
    REWARD("org.sparsa.api.reward.RewardModel"),
    /** A judge that scores rubric items for rubric rewards ({@code org.sparsa.api.reward.Judge}). */
    JUDGE("org.sparsa.api.reward.Judge"),
    /** A stage kind usable in recipes ({@code org.sparsa.api.stage.StageKind}). */
    STAGE("org.sparsa.api.stage.StageKind"),
    /** A task: dataset or synthetic generator ({@code org.sparsa.api.task.TaskSource}). */
    TASK("org.sparsa.api.task.TaskSource");

    private final String serviceType;

    PluginKind(String serviceType) {
        this.serviceType = serviceType;
    }

    /** The fully qualified name of the service interface plugins of this kind register. */
    public String serviceType() {
        return serviceType;
    }

    /** The lower-case name used in recipes, service properties and the CLI ({@code reward}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind named by {@code text}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the known kinds when {@code text} is none of them
     */
    public static PluginKind of(String text) {
        for (PluginKind kind : values()) {
            if (kind.name().equalsIgnoreCase(text)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown plugin kind '" + text + "'; expected one of "
                + java.util.Arrays.stream(values()).map(PluginKind::id).toList());
    }
}
