package org.sparsa.runner.internal.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;

/** A fixed set of plugins standing in for the OSGi registry in recipe tests. */
final class FakePlugins implements PluginLookup {
    private final Map<PluginKind, Map<String, List<ConfigKey>>> plugins = new LinkedHashMap<>();

    /** The plugins the shipped recipes and the docs use. */
    static FakePlugins standard() {
        return new FakePlugins()
                .with(PluginKind.ATTENTION, "full", "window:int=0 - keys each query sees, its own "
                        + "included; 0 means every earlier key")
                .with(PluginKind.TASK, "mqar", "pairs:int=8 - key/value pairs per sequence",
                        "queries:int=4 - keys asked back")
                .with(PluginKind.TASK, "passkey", "filler:string=grass - repeated text")
                .with(PluginKind.TASK, "arithmetic", "digits:int=3 - operand digits")
                .with(PluginKind.TASK, "corpus", "path:string - text file or folder",
                        "split:double=0.99 - training share")
                .with(PluginKind.TASK, "needle", "depth:double=0.5 - where the needle sits")
                .with(PluginKind.STAGE, "pretrain")
                .with(PluginKind.STAGE, "sft", "answer_only:boolean=true - loss on answers only")
                .with(PluginKind.STAGE, "eval", "samples:int=256 - examples to score");
    }

    FakePlugins with(PluginKind kind, String id, String... keys) {
        List<ConfigKey> parsed = new ArrayList<>();
        for (String key : keys) {
            parsed.add(ConfigKey.parse(key));
        }
        plugins.computeIfAbsent(kind, k -> new LinkedHashMap<>()).put(id, parsed);
        return this;
    }

    @Override
    public List<String> ids(PluginKind kind) {
        return plugins.getOrDefault(kind, Map.of()).keySet().stream().sorted().toList();
    }

    @Override
    public Optional<List<ConfigKey>> configKeys(PluginKind kind, String id) {
        return Optional.ofNullable(plugins.getOrDefault(kind, Map.of()).get(id));
    }
}
