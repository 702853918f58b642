package org.sparsa.runner.internal.cli;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import picocli.CommandLine.IVersionProvider;

/** Answers {@code sparsa --version}: the runner's version, the JVM and the OSGi framework. */
public final class VersionProvider implements IVersionProvider {
    private final BundleContext context;

    public VersionProvider(BundleContext context) {
        this.context = context;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "sparsa " + context.getBundle().getVersion(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
            "OSGi framework " + context.getProperty(Constants.FRAMEWORK_VENDOR) + " "
                    + context.getBundle(0).getVersion()
        };
    }
}
