package org.sparsa.runner.internal.plugins;

import java.util.List;

/**
 * One registered plugin service as read from its service properties and bundle; nothing of the
 * plugin is loaded or run to make it.
 *
 * @param kind the plugin kind, lower case
 * @param id the id recipes use
 * @param version the providing bundle's version
 * @param bundle the providing bundle's symbolic name
 * @param state the providing bundle's state ({@code ACTIVE}, …)
 * @param description what the plugin does
 * @param config the accepted configuration keys in published form
 */
public record PluginEntry(String kind, String id, String version, String bundle, String state,
        String description, List<String> config) {
}
