package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.recipe.PluginLookup;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.RecipeError;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.RecipeLoader;
import org.sparsa.runner.internal.recipe.RegistryPluginLookup;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparsa validate}: checks a recipe against the installed plugins without running it. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a recipe without running it: unknown keys, wrong types, values out "
                + "of range, unknown plugin or task ids. Prints every problem with its key and "
                + "file line; exits 1 when there is any.")
public final class ValidateCommand implements Callable<Integer> {
    private final Supplier<PluginLookup> plugins;

    @Mixin
    RecipeArguments arguments;

    @Option(names = "--resolved", description = "Also print the recipe with every default "
            + "filled in, as a run would write it to config.resolved.yaml.")
    boolean resolved;

    @Spec
    CommandSpec spec;

    public ValidateCommand(BundleContext context) {
        this(() -> new RegistryPluginLookup(new PluginCatalog(context)));
    }

    ValidateCommand(Supplier<PluginLookup> plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Recipe valid;
        try {
            valid = new RecipeLoader(plugins.get()).load(arguments.recipe,
                    arguments.overrides);
        } catch (RecipeException e) {
            report(spec.commandLine().getErr(), arguments.recipe.toString(), e);
            return 1;
        }
        out.println("valid: " + valid.name() + " (" + valid.stages().size()
                + (valid.stages().size() == 1 ? " stage)" : " stages)"));
        if (resolved) {
            out.print(new ResolvedRecipe(valid, null).toYaml());
        }
        out.flush();
        return 0;
    }

    /** Prints every problem of an invalid recipe, one a line. */
    static void report(PrintWriter err, String source, RecipeException e) {
        int n = e.errors().size();
        err.println("invalid: " + source + " (" + n + (n == 1 ? " error)" : " errors)"));
        for (RecipeError error : e.errors()) {
            err.println("  " + error);
        }
        err.flush();
    }
}
