package org.sparsa.runner.internal.run;

import org.sparsa.api.attention.AttentionPlugin;

/**
 * A new revision of an attention plugin the run's model uses, found at a step boundary after
 * the revision in use went away.
 *
 * @param pluginId the plugin's id
 * @param from the version in use (its bundle's version)
 * @param to the new revision's version; {@code none} when no bundle offers the plugin any more
 * @param plugin the new revision's service, or null when it cannot be used
 * @param failure why the new revision cannot be used (it did not resolve, start or activate),
 *     or null when {@code plugin} is set
 */
record PluginRevision(String pluginId, String from, String to, AttentionPlugin plugin,
        String failure) {
}
