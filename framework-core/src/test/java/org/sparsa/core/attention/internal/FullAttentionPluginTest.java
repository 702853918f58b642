package org.sparsa.core.attention.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The {@code full} attention plugin: its published descriptor and its configuration checks. */
class FullAttentionPluginTest {
    private static final AttentionShape SHAPE = new AttentionShape(3, 64, 4, 2, 16, 128);
    private static final String ORIGIN = "recipe.yaml:9";
    private final FullAttentionPlugin plugin = new FullAttentionPlugin();

    @Test
    void theDescriptorPublishesThePluginInfo() throws Exception {
        String className = FullAttentionPlugin.class.getName();
        Document xml;
        try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/" + className + ".xml")) {
            assertNotNull(in, "no DS descriptor for " + className + "; did bnd run?");
            xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        Map<String, List<String>> properties = properties(xml);
        assertEquals(List.of("ATTENTION"), properties.get(PluginProperties.KIND));
        assertEquals(List.of("full"), properties.get(PluginProperties.ID));
        assertFalse(properties.get(PluginProperties.DESCRIPTION).get(0).isBlank());
        assertEquals(PluginKind.ATTENTION.serviceType(),
                ((Element) xml.getElementsByTagName("provide").item(0)).getAttribute("interface"));
        assertEquals(className, ((Element) xml.getElementsByTagName("implementation").item(0))
                .getAttribute("class"));

        List<ConfigKey> keys = properties.get(PluginProperties.CONFIG).stream()
                .map(ConfigKey::parse).toList();
        assertEquals(1, keys.size());
        assertEquals("window", keys.get(0).name());
        assertEquals("int", keys.get(0).type());
        assertEquals("0", keys.get(0).defaultValue());
        // The published default is accepted and means what the key says.
        PluginConfig defaults = PluginConfig.of(Map.of("window", "0"), "defaults");
        assertEquals(0, ((FullAttentionLayer) plugin.create(SHAPE, defaults)).window());
    }

    @Test
    void fullAttentionHasNoParametersOfItsOwn() {
        assertEquals(List.of(), plugin.parameterSpecs(SHAPE, PluginConfig.empty()));
        assertEquals(List.of(), plugin.parameterSpecs(SHAPE,
                PluginConfig.of(Map.of("window", 16), ORIGIN)));
    }

    @Test
    void theWindowIsReadFromTheConfiguration() {
        assertEquals(0, ((FullAttentionLayer) plugin.create(SHAPE, PluginConfig.empty()))
                .window());
        assertEquals(32, ((FullAttentionLayer) plugin.create(SHAPE,
                PluginConfig.of(Map.of("window", 32), ORIGIN))).window());
        assertEquals(Set.of("dense"), plugin.create(SHAPE, PluginConfig.empty()).modes());
    }

    @Test
    void invalidConfigurationsAreRejectedNamingTheKey() {
        for (Object bad : List.of(-1, "wide", 1.5, List.of(3), 1L << 40)) {
            PluginConfig config = PluginConfig.of(Map.of("window", bad), ORIGIN);
            for (Runnable call : List.<Runnable>of(() -> plugin.create(SHAPE, config),
                    () -> plugin.parameterSpecs(SHAPE, config))) {
                ConfigException e = assertThrows(ConfigException.class, call::run);
                assertEquals("window", e.key(), e.getMessage());
                assertEquals(ORIGIN, e.origin());
            }
        }
        ConfigException negative = assertThrows(ConfigException.class, () -> plugin.create(SHAPE,
                PluginConfig.of(Map.of("window", -4), ORIGIN)));
        assertTrue(negative.getMessage().contains(">= 0") && negative.getMessage()
                .contains("-4"), negative::getMessage);

        ConfigException unknown = assertThrows(ConfigException.class, () -> plugin.create(SHAPE,
                PluginConfig.of(Map.of("windw", 8), ORIGIN)));
        assertEquals("windw", unknown.key());
        assertEquals(ORIGIN + ": windw: unknown key; expected one of [window]",
                unknown.getMessage());
        assertThrows(ConfigException.class, () -> plugin.parameterSpecs(SHAPE,
                PluginConfig.of(Map.of("block", 64), ORIGIN)));
    }

    private static Map<String, List<String>> properties(Document xml) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        NodeList nodes = xml.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element property = (Element) nodes.item(i);
            List<String> values = new ArrayList<>();
            if (property.hasAttribute("value")) {
                values.add(property.getAttribute("value"));
            } else {
                for (String line : property.getTextContent().split("\n")) {
                    if (!line.isBlank()) {
                        values.add(line.trim());
                    }
                }
            }
            out.put(property.getAttribute("name"), values);
        }
        return out;
    }
}
