package org.sparsa.api.plugin;

/**
 * A configuration value is missing, unknown or of the wrong type. The message names where the
 * configuration came from, the key, what was found and what was expected.
 */
public class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String origin;
    private final String key;

    /**
     * @param origin where the configuration came from ({@code recipe.yaml:12}, {@code --config})
     * @param key the offending key, dotted for nested values
     * @param problem what is wrong and what was expected
     */
    public ConfigException(String origin, String key, String problem) {
        super(origin + ": " + key + ": " + problem);
        this.origin = origin;
        this.key = key;
    }

    /** Where the configuration came from. */
    public String origin() {
        return origin;
    }

    /** The offending key. */
    public String key() {
        return key;
    }
}
