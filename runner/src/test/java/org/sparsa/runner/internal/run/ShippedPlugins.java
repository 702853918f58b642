package org.sparsa.runner.internal.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.stage.internal.EvalStageKind;
import org.sparsa.core.stage.internal.PretrainStageKind;
import org.sparsa.core.stage.internal.SftStageKind;
import org.sparsa.core.task.internal.ArithmeticSource;
import org.sparsa.core.task.internal.CorpusSource;
import org.sparsa.core.task.internal.MqarSource;
import org.sparsa.core.task.internal.NeedleSource;
import org.sparsa.core.task.internal.PasskeySource;
import org.sparsa.distill.internal.DistillStageKind;
import org.sparsa.dsa.internal.DsaPlugin;
import org.sparsa.dsa.internal.IndexerWarmupStageKind;
import org.sparsa.dsa.internal.SparseCptStageKind;
import org.sparsa.grpo.internal.DapoObjective;
import org.sparsa.grpo.internal.DrGrpoObjective;
import org.sparsa.grpo.internal.GrpoObjective;
import org.sparsa.grpo.internal.GspoObjective;
import org.sparsa.grpo.internal.V32Objective;
import org.sparsa.grpo.internal.rl.RlStageKind;
import org.sparsa.nsa.internal.NsaPlugin;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.recipe.PluginLookup;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The plugins the distribution ships (core's and the NSA, DSA, GRPO and distillation bundles') as plain
 * objects, standing in for the OSGi registry: validation reads the keys each declares in its
 * {@link PluginInfo}, the run gets the objects themselves.
 */
public final class ShippedPlugins implements PluginLookup, PluginSource {
    private final Map<PluginKind, Map<String, Object>> plugins = new LinkedHashMap<>();
    private final Map<PluginKind, Map<String, List<ConfigKey>>> keys = new LinkedHashMap<>();

    public ShippedPlugins() {
        for (Object plugin : List.of(new FullAttentionPlugin(), new MqarSource(),
                new ArithmeticSource(), new PasskeySource(), new NeedleSource(),
                new CorpusSource(), new PretrainStageKind(), new SftStageKind(),
                new EvalStageKind(), new NsaPlugin(), new DsaPlugin(),
                new IndexerWarmupStageKind(), new SparseCptStageKind(), new GrpoObjective(),
                new DrGrpoObjective(), new DapoObjective(), new GspoObjective(),
                new V32Objective(), new RlStageKind(), new DistillStageKind())) {
            with(plugin);
        }
    }

    /**
     * Registers {@code plugin} as Declarative Services would: under the kind, id and keys of
     * the component description bnd generated from its {@link PluginInfo}.
     */
    private void with(Object plugin) {
        String name = plugin.getClass().getName();
        Map<String, String> properties = new LinkedHashMap<>();
        try (InputStream xml = plugin.getClass().getClassLoader()
                .getResourceAsStream("OSGI-INF/" + name + ".xml")) {
            if (xml == null) {
                throw new IllegalStateException("no component description for " + name);
            }
            NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml)
                    .getElementsByTagName("property");
            for (int i = 0; i < nodes.getLength(); i++) {
                Element property = (Element) nodes.item(i);
                properties.put(property.getAttribute("name"), property.hasAttribute("value")
                        ? property.getAttribute("value") : property.getTextContent());
            }
        } catch (IOException | ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("cannot read the component description of " + name,
                    e);
        }
        PluginKind kind = PluginKind.valueOf(properties.get(PluginProperties.KIND));
        String id = properties.get(PluginProperties.ID);
        String config = properties.getOrDefault(PluginProperties.CONFIG, "");
        plugins.computeIfAbsent(kind, k -> new LinkedHashMap<>()).put(id, plugin);
        keys.computeIfAbsent(kind, k -> new LinkedHashMap<>()).put(id, config.isBlank()
                ? List.of() : config.lines().map(String::strip).map(ConfigKey::parse).toList());
    }

    /** These plugins with the object of {@code kind} and {@code id} replaced, keys kept. */
    public ShippedPlugins replacing(PluginKind kind, String id, Object plugin) {
        plugins.get(kind).put(id, plugin);
        return this;
    }

    @Override
    public List<String> ids(PluginKind kind) {
        return plugins.getOrDefault(kind, Map.of()).keySet().stream().sorted().toList();
    }

    @Override
    public Optional<List<ConfigKey>> configKeys(PluginKind kind, String id) {
        return Optional.ofNullable(keys.getOrDefault(kind, Map.of()).get(id));
    }

    @Override
    public <S> S get(PluginKind kind, String id, Class<S> type) {
        Object plugin = plugins.getOrDefault(kind, Map.of()).get(id);
        if (plugin == null) {
            throw new IllegalArgumentException("unknown " + kind.id() + " '" + id + "'; known: "
                    + ids(kind));
        }
        return type.cast(plugin);
    }
}
