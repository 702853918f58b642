package org.sparsa.runner.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.plugins.PluginEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparsa plugins}: every registered plugin, read from service properties only. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the registered plugins (kind, id, version, bundle, state, "
                + "description) without running any of them.")
public final class PluginsCommand implements Callable<Integer> {
    private final BundleContext context;

    @Option(names = "--kind", paramLabel = "KIND",
            description = "Only this kind: attention, policy, reward, judge, stage or task.")
    String kind;

    @Option(names = "--json", description = "Print a JSON array, one object per plugin, "
            + "including its configuration keys.")
    boolean json;

    @Spec
    CommandSpec spec;

    public PluginsCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        List<PluginEntry> entries = new PluginCatalog(context).list();
        if (kind != null) {
            String wanted = PluginKind.of(kind).id();
            entries = entries.stream().filter(e -> e.kind().equals(wanted)).toList();
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(entries));
            return 0;
        }
        TextTable table = new TextTable("KIND", "ID", "VERSION", "BUNDLE", "STATE", "DESCRIPTION");
        for (PluginEntry e : entries) {
            table.row(e.kind(), e.id(), e.version(), e.bundle(), e.state(), e.description());
        }
        table.print(out);
        if (entries.isEmpty()) {
            out.println("(no plugins registered)");
        }
        return 0;
    }
}
