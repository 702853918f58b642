package org.sparsa.api.plugin;

/**
 * Names of the service properties that describe a plugin. Every plugin service publishes them
 * (most easily through {@link PluginInfo}) so that tools can list and validate plugins without
 * loading or running any plugin code. The plugin's version is its bundle's version.
 */
public final class PluginProperties {
    /** The plugin kind, a {@link PluginKind} name. */
    public static final String KIND = "sparsa.plugin.kind";
    /** The id recipes use to name the plugin, unique within its kind ({@code accuracy}). */
    public static final String ID = "sparsa.plugin.id";
    /** One sentence saying what the plugin does. */
    public static final String DESCRIPTION = "sparsa.plugin.description";
    /** The configuration keys the plugin accepts, each in {@link ConfigKey#format()} form. */
    public static final String CONFIG = "sparsa.plugin.config";

    /** LDAP filter matching every Sparsa plugin service. */
    public static final String ANY_PLUGIN_FILTER = "(" + ID + "=*)";

    private PluginProperties() {
    }

    /** LDAP filter matching the plugin of {@code kind} named {@code id}. */
    public static String filter(PluginKind kind, String id) {
        return "(&(" + KIND + "=" + kind.name() + ")(" + ID + "=" + escape(id) + "))";
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
