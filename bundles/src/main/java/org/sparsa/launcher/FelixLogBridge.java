package org.sparsa.launcher;

import org.apache.felix.framework.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.slf4j.LoggerFactory;

/** Sends Felix's own log lines to SLF4J, so that stdout carries only command output. */
final class FelixLogBridge extends Logger {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger("org.apache.felix");

    FelixLogBridge() {
        setLogLevel(LOG_DEBUG);
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected void doLog(Bundle bundle, ServiceReference reference, int level, String message,
            Throwable error) {
        doLog(level, bundle == null ? message : bundle.getSymbolicName() + ": " + message, error);
    }

    /** The resolver (wiring decisions, at debug level) logs through this one directly. */
    @Override
    protected void doLog(int level, String text, Throwable error) {
        switch (level) {
            case LOG_ERROR -> LOG.error(text, error);
            case LOG_WARNING -> LOG.warn(text, error);
            case LOG_INFO -> LOG.info(text, error);
            default -> LOG.debug(text, error);
        }
    }
}
