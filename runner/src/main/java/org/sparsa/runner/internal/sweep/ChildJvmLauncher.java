package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs each trial as {@code sparsa run} in a fresh JVM, so that a crash, a leak or OpenCL state
 * never crosses trials: the same {@code java}, JVM options (heap, {@code sparsa.home}) and
 * class path as this process, the launcher's main class, the recipe with the sweep's and the
 * trial's overrides, and {@code --folder} with the trial's folder. A child still running when
 * this JVM exits (the sweep was interrupted) is stopped with it.
 */
public final class ChildJvmLauncher implements TrialLauncher {
    /**
     * The launcher's main class, which {@code bin/sparsa} starts; named rather than imported,
     * since the launcher sits outside the framework, below the bundles.
     */
    static final String LAUNCHER = "org.sparsa.launcher.Main";

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(
                Process::destroy), "sparsa-sweep-children"));
    }

    private final List<String> jvm;
    private final Path recipe;
    private final List<String> overrides;
    private final Path workingFolder;

    /**
     * @param recipe the sweep's recipe
     * @param overrides the overrides every trial gets, before its own
     * @param workingFolder where the children run, so that relative paths read the same
     * @throws IllegalStateException when this process was not started by the launcher
     */
    public ChildJvmLauncher(Path recipe, List<String> overrides, Path workingFolder) {
        if (System.getProperty("sparsa.home") == null) {
            throw new IllegalStateException("sweeps start their trials through the launcher, "
                    + "but sparsa.home is not set; start Sparsa with bin/sparsa");
        }
        this.jvm = jvmCommand();
        this.recipe = recipe.toAbsolutePath();
        this.overrides = List.copyOf(overrides);
        this.workingFolder = workingFolder;
    }

    /** This JVM's {@code java}, options and class path, ready for a main class. */
    static List<String> jvmCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger's agent would make each child claim the same port.
            if (!option.startsWith("-agentlib:jdwp") && !option.startsWith("-Xrunjdwp")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    /** The command line of {@code trial}'s child. */
    List<String> command(Trial trial, Path folder) {
        List<String> command = new ArrayList<>(jvm);
        command.add(LAUNCHER);
        command.add("run");
        command.add(recipe.toString());
        command.addAll(overrides);
        command.addAll(trial.overrides());
        command.add("--folder");
        command.add(folder.toAbsolutePath().toString());
        return command;
    }

    @Override
    public int launch(Trial trial, Path folder, Path log) throws IOException,
            InterruptedException {
        Process process = new ProcessBuilder(command(trial, folder))
                .directory(workingFolder.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .start();
        RUNNING.add(process);
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            process.destroy();
            throw e;
        } finally {
            RUNNING.remove(process);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL"
                : "/dev/null");
    }
}
