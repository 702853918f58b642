package org.sparsa.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The {@code sparsa} program: boots the distribution's framework, runs one command in the
 * runner bundle and exits with its code. {@code bin/sparsa} sets {@code sparsa.home}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // Decided before the first logger exists: logback.xml reads sparsa.log.level.
        List<String> arguments = List.of(args);
        if (arguments.contains("-q") || arguments.contains("--quiet")) {
            System.setProperty("sparsa.log.level", "WARN");
        } else if (arguments.contains("-v") || arguments.contains("--verbose")) {
            System.setProperty("sparsa.log.level", "DEBUG");
        }
        // Run reports draw their plots off-screen; no display is needed or wanted.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();

        String home = System.getProperty("sparsa.home");
        if (home == null) {
            System.err.println("error: sparsa.home is not set; start Sparsa with bin/sparsa");
            System.exit(2);
        }
        int exit;
        try (EmbeddedFramework framework =
                EmbeddedFramework.start(Distribution.at(Path.of(home)), Map.of())) {
            exit = framework.execute(args, System.out, System.err);
        }
        System.out.flush();
        System.exit(exit);
    }
}
