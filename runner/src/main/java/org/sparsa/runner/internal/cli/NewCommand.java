package org.sparsa.runner.internal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sparsa new}: starts new things; today only {@code sparsa new plugin}. */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = "Start a new project: `sparsa new plugin` writes a plugin's Maven project.",
        subcommands = NewPluginCommand.class)
public final class NewCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
