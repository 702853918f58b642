package org.sparsa.runner.internal.recipe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Where and how a run was made, written beside its resolved recipe so a result can be traced to
 * the code, plugins, JVM and device that produced it.
 *
 * @param gitSha the commit checked out in the working folder, or {@code unknown}
 * @param bundles every installed bundle as {@code symbolic.name version}
 * @param jvm the JVM's vendor and version
 * @param backendRequested the recipe's {@code backend}
 * @param backendResolved the backend the run uses
 * @param device the device it runs on, in words
 * @param seed the run's seed
 * @param startTime when the run started, ISO-8601 UTC
 * @param commandLine the command's arguments
 */
public record Provenance(String gitSha, List<String> bundles, String jvm,
        String backendRequested, String backendResolved, String device, long seed,
        String startTime, List<String> commandLine) {
    private static final long GIT_TIMEOUT_SECONDS = 5;

    public Provenance {
        bundles = List.copyOf(bundles);
        commandLine = List.copyOf(commandLine);
    }

    /** This JVM as {@code vendor version}. */
    public static String currentJvm() {
        return System.getProperty("java.vendor") + " " + Runtime.version();
    }

    /** Every bundle installed in the framework, as {@code symbolic.name version}, by id. */
    public static List<String> installedBundles(BundleContext context) {
        List<String> out = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            out.add(bundle.getSymbolicName() + " " + bundle.getVersion());
        }
        return out;
    }

    /**
     * The commit checked out in {@code folder}, or {@code unknown} when it is not in a git
     * working tree, git is missing, or git does not answer within a few seconds.
     */
    public static String gitCommit(Path folder) {
        Process process = null;
        try {
            process = new ProcessBuilder("git", "rev-parse", "HEAD").directory(folder.toFile())
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return "unknown";
            }
            String out;
            try (InputStream in = process.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            return process.exitValue() == 0 && out.matches("[0-9a-f]{40,64}") ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }

    /** The {@code provenance:} block of {@code config.resolved.yaml}. */
    Map<String, Object> tree() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("git_sha", gitSha);
        out.put("start_time", startTime);
        out.put("command_line", commandLine);
        out.put("seed", seed);
        out.put("backend_requested", backendRequested);
        out.put("backend_resolved", backendResolved);
        out.put("device", device);
        out.put("jvm", jvm);
        out.put("bundles", bundles);
        return out;
    }
}
