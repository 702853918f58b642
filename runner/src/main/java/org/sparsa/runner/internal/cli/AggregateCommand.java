package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sparsa.runner.internal.sweep.SweepAggregate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sparsa aggregate}: the results table and plots of a sweep folder. */
@Command(name = "aggregate", mixinStandardHelpOptions = true,
        description = "Aggregate a sweep folder: results.csv and results.md (per configuration "
                + "the mean ± std over seeds of every final metric, the best marked) and "
                + "plots/ (the metric by each swept key, learning curves per configuration). "
                + "`sparsa sweep` runs it at its end; run it again while a sweep is going.")
public final class AggregateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP_DIR", description = "The sweep folder, with "
            + "its sweep.yaml.")
    Path folder;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path results = SweepAggregate.write(folder);
        spec.commandLine().getOut().println("results: " + results);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
