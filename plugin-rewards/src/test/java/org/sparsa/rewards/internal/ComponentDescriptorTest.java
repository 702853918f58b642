package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.rewards.internal.judge.RuleJudge;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the Declarative Services descriptors bnd wrote from {@code @Component} and
 * {@code @PluginInfo} (they sit in the build output, on the test class path) and checks that each
 * publishes its kind, id and description, and exactly the configuration keys its {@code create}
 * accepts, each of whose defaults it accepts too.
 */
class ComponentDescriptorTest {

    @ParameterizedTest(name = "{1} {2}")
    @CsvSource({
        "AccuracyReward, REWARD, accuracy, org.sparsa.api.reward.RewardModel",
        "FormatReward, REWARD, format, org.sparsa.api.reward.RewardModel",
        "LanguageConsistencyReward, REWARD, language_consistency, org.sparsa.api.reward.RewardModel",
        "OverlongReward, REWARD, overlong, org.sparsa.api.reward.RewardModel",
        "LengthReward, REWARD, length, org.sparsa.api.reward.RewardModel",
        "CompositeReward, REWARD, composite, org.sparsa.api.reward.RewardModel",
        "RubricReward, REWARD, rubric, org.sparsa.api.reward.RewardModel",
        "ArithmeticStepsReward, REWARD, arithmetic_steps, org.sparsa.api.reward.RewardModel",
        "judge.RuleJudge, JUDGE, rule, org.sparsa.api.reward.Judge",
    })
    void descriptorPublishesThePluginInfo(String simpleName, String kind, String id, String service)
            throws Exception {
        String className = "org.sparsa.rewards.internal." + simpleName;
        Document xml;
        try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/" + className + ".xml")) {
            assertNotNull(in, "no DS descriptor for " + className + "; did bnd run?");
            xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        Map<String, List<String>> properties = properties(xml);
        assertEquals(List.of(kind), properties.get(PluginProperties.KIND));
        assertEquals(PluginKind.valueOf(kind).serviceType(), service);
        assertEquals(List.of(id), properties.get(PluginProperties.ID));
        assertFalse(properties.get(PluginProperties.DESCRIPTION).get(0).isBlank());
        assertEquals(service, ((Element) xml.getElementsByTagName("provide").item(0))
                .getAttribute("interface"));
        assertEquals(className, ((Element) xml.getElementsByTagName("implementation").item(0))
                .getAttribute("class"));

        // An empty config = {} publishes no property at all.
        List<ConfigKey> keys = properties.getOrDefault(PluginProperties.CONFIG, List.of()).stream()
                .map(ConfigKey::parse).toList();
        Function<PluginConfig, Object> create = kind.equals("JUDGE")
                ? config -> new RuleJudge().create(config)
                : config -> TestRewardContext.model(id).create(config, new TestRewardContext());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> create.apply(PluginConfig.of(Map.of("no_such_key", 1), "test")));
        Set<String> published = new TreeSet<>();
        keys.forEach(key -> published.add(key.name()));
        assertEquals("unknown key; expected one of " + published,
                unknown.getMessage().substring(unknown.getMessage().indexOf("unknown key")));
        for (ConfigKey key : keys) {
            if (key.defaultValue() != null) {
                create.apply(PluginConfig.of(Map.of(key.name(), key.defaultValue()), "test"));
            }
        }
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
