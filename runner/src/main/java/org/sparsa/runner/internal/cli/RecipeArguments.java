package org.sparsa.runner.internal.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Parameters;

/** The recipe file and its command-line overrides, shared by {@code validate} and {@code run}. */
final class RecipeArguments {

    @Parameters(index = "0", paramLabel = "RECIPE", description = "The recipe file (YAML).")
    Path recipe;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE",
            description = "Overrides, applied before validation: a dotted key, numbers picking "
                    + "list entries (stages.0.lr=3e-4 model.attention.id=full); values are "
                    + "read as YAML.")
    List<String> overrides = new ArrayList<>();
}
