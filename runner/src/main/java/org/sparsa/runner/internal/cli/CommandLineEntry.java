package org.sparsa.runner.internal.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.osgi.framework.BundleContext;
import org.sparsa.api.plugin.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Where the launcher hands over the command line once the framework is up. The launcher finds
 * this class through the runner bundle's {@code Sparsa-Command-Line} header and calls
 * {@link #execute} reflectively, so only JDK and OSGi framework types cross the boundary.
 */
public final class CommandLineEntry {
    private static final Logger LOG = LoggerFactory.getLogger(CommandLineEntry.class);

    /** Exit code for input the user can fix (unknown id, bad config, missing file). */
    static final int USAGE_ERROR = 2;

    private CommandLineEntry() {
    }

    /**
     * Runs one {@code sparsa} command.
     *
     * @return the process exit code: 0 on success, 1 when a check failed, 2 on bad input
     */
    public static int execute(BundleContext context, String[] args, PrintStream out,
            PrintStream err) {
        CommandLine commandLine = new CommandLine(new SparsaCommand(), new BundleFactory(context));
        // @file is ours: --completion @file and --config @file.yaml read the file themselves.
        commandLine.setExpandAtFiles(false);
        commandLine.setOut(new PrintWriter(new java.io.OutputStreamWriter(out,
                StandardCharsets.UTF_8), true));
        commandLine.setErr(new PrintWriter(new java.io.OutputStreamWriter(err,
                StandardCharsets.UTF_8), true));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof ConfigException
                    || e instanceof java.io.IOException) {
                cmd.getErr().println("error: " + e.getMessage());
                LOG.debug("command failed", e);
                return USAGE_ERROR;
            }
            cmd.getErr().println("error: " + e);
            LOG.error("command failed", e);
            return 1;
        });
        return commandLine.execute(args);
    }

    /** Gives commands that want it the framework's bundle context. */
    private record BundleFactory(BundleContext context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getDeclaredConstructor(BundleContext.class).newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
