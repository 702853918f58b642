package org.sparsa.runner.internal.plugins;

import org.osgi.framework.Bundle;

/** Names of bundle states as OSGi defines them. */
public final class BundleStates {
    private BundleStates() {
    }

    /** {@code ACTIVE}, {@code RESOLVED}, … for a {@link Bundle#getState()} value. */
    public static String name(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNKNOWN(" + state + ")";
        };
    }
}
