package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Whether {@code bash} can run here: the tests that run generated scripts need it. */
final class Bash {
    private static Boolean available;

    private Bash() {}

    static synchronized boolean available() {
        if (available == null) {
            try {
                Process process = new ProcessBuilder("bash", "-c", "exit 0").start();
                available = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        return available;
    }
}
