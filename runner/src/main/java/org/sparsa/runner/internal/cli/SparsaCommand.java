package org.sparsa.runner.internal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code sparsa} command: lists its subcommands when called alone. */
@Command(name = "sparsa", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Sparse-attention research framework.",
        subcommands = {PluginsCommand.class, DoctorCommand.class, RewardCommand.class,
            VerifyCommand.class, ValidateCommand.class, RunCommand.class, SweepCommand.class,
            WorkerCommand.class,
            AggregateCommand.class, ExportCommand.class,
            ImportCommand.class, BenchCommand.class, NewCommand.class,
            picocli.CommandLine.HelpCommand.class})
public final class SparsaCommand implements Runnable {

    // The launcher reads these before logging starts, to set the log level; they are declared
    // here so that they are accepted after any subcommand and shown in the help.
    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Log warnings and errors only.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log debug messages too.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
