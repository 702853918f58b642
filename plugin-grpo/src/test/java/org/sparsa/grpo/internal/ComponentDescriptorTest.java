package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.core.verify.GoldenOp;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the Declarative Services descriptors bnd wrote (they sit in the build output, on the
 * test class path): each objective publishes its kind, id, description and every knob, with
 * defaults that are exactly its preset, and the golden ops their op names.
 */
class ComponentDescriptorTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource({"GrpoObjective, grpo", "DrGrpoObjective, dr_grpo", "DapoObjective, dapo",
        "GspoObjective, gspo", "V32Objective, v32"})
    void objectivesPublishTheirPresetAsDefaults(String simpleName, String id) throws Exception {
        Document xml = descriptor(simpleName);
        Map<String, String> properties = properties(xml);
        assertEquals(PluginKind.POLICY.name(), properties.get(PluginProperties.KIND));
        assertEquals(id, properties.get(PluginProperties.ID));
        assertFalse(properties.get(PluginProperties.DESCRIPTION).isBlank());
        assertEquals(PluginKind.POLICY.serviceType(), ((Element) xml
                .getElementsByTagName("provide").item(0)).getAttribute("interface"));

        List<ConfigKey> keys = properties.get(PluginProperties.CONFIG).lines()
                .map(String::strip).map(ConfigKey::parse).toList();
        assertEquals(ObjectiveKeys.ALL, keys.stream().map(ConfigKey::name).toList());
        // The runner hands a plugin every published default: from any other preset, they must
        // give this one.
        Map<String, Object> defaults = new LinkedHashMap<>();
        keys.stream().filter(k -> k.defaultValue() != null)
                .forEach(k -> defaults.put(k.name(), k.defaultValue()));
        Preset preset = Preset.of(id);
        for (Preset other : Preset.values()) {
            assertEquals(preset.config(), other.config().overriddenBy(
                    PluginConfig.of(defaults, "defaults")), "from " + other.id());
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({"PolicyLossGoldenOp, policy.loss",
        "MaskedLogProbsGoldenOp, policy.masked_logprobs"})
    void goldenOpsPublishTheirOpName(String simpleName, String op) throws Exception {
        Document xml = descriptor(simpleName);
        assertEquals(op, properties(xml).get(GoldenOp.OP_PROPERTY));
        assertEquals(GoldenOp.class.getName(), ((Element) xml.getElementsByTagName("provide")
                .item(0)).getAttribute("interface"));
    }

    private Document descriptor(String simpleName) throws Exception {
        String className = "org.sparsa.grpo.internal." + simpleName;
        try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/" + className + ".xml")) {
            assertNotNull(in, "no DS descriptor for " + className + "; did bnd run?");
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
    }

    private static Map<String, String> properties(Document xml) {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList nodes = xml.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element property = (Element) nodes.item(i);
            out.put(property.getAttribute("name"), property.hasAttribute("value")
                    ? property.getAttribute("value") : property.getTextContent());
        }
        return out;
    }
}
