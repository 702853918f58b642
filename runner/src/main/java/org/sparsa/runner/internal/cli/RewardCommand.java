package org.sparsa.runner.internal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sparsa reward}: work with reward models outside a run. */
@Command(name = "reward", mixinStandardHelpOptions = true,
        description = "Work with reward models.",
        subcommands = RewardScoreCommand.class)
public final class RewardCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
