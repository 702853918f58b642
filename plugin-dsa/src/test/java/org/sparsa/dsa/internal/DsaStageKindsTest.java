package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.stage.Stage;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingStages;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The DSA stage presets on a tiny model: what they register as, which parameters each trains,
 * at which rates, and what they report.
 */
class DsaStageKindsTest {
    /** Where a stage's evaluation writes its per-example answers. */
    @TempDir
    Path runFolder;

    @Test
    void bothPresetsAreStageKindsAndRefuseUnknownKeys() throws Exception {
        Map<String, String> warmup = descriptor(IndexerWarmupStageKind.class);
        Map<String, String> sparse = descriptor(SparseCptStageKind.class);
        assertEquals(PluginKind.STAGE.name(), warmup.get(PluginProperties.KIND));
        assertEquals("indexer_warmup", warmup.get(PluginProperties.ID));
        assertEquals(PluginKind.STAGE.name(), sparse.get(PluginProperties.KIND));
        assertEquals("sparse_cpt", sparse.get(PluginProperties.ID));
        List<String> keys = sparse.get(PluginProperties.CONFIG).lines().map(String::strip)
                .map(k -> ConfigKey.parse(k).name()).toList();
        assertEquals(List.of("data", "indexer_lr", "eval_examples", "max_new_tokens"), keys);
        assertThrows(ConfigException.class, () -> new IndexerWarmupStageKind().create(
                PluginConfig.of(Map.of("indexer_lr", 1e-3), "test")));
        assertThrows(ConfigException.class, () -> new SparseCptStageKind().create(
                PluginConfig.of(Map.of("indexer_lr", -1), "test")));
        assertThrows(ConfigException.class, () -> new SparseCptStageKind().create(
                PluginConfig.of(Map.of("top_k", 4), "test")));
    }

    @Test
    void aPresetRefusesTheOtherAttentionMode() {
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(1, 1e-3, DsaLayer.SPARSE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IndexerWarmupStageKind().create(PluginConfig.empty()).run(context));
        assertTrue(e.getMessage().contains("indexer_warmup"), e.getMessage());
        assertTrue(context.lines.isEmpty());
    }

    @Test
    void theWarmupTrainsOnlyTheIndexersAndLowersTheirLoss() throws Exception {
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(12, 1e-2, StageSettings.DEFAULT_MODE));
        Map<String, float[]> before = values(context.model().parameters());
        new IndexerWarmupStageKind().create(PluginConfig.of(Map.of("eval_examples", 2),
                "test")).run(context);
        Map<String, float[]> after = values(context.model().parameters());
        for (String name : before.keySet()) {
            boolean indexer = name.contains(".self_attn.indexer.");
            assertEquals(!indexer, java.util.Arrays.equals(before.get(name), after.get(name)),
                    name + (indexer ? " did not train" : " changed"));
        }
        List<Double> kl = context.series("aux/indexer_kl");
        assertEquals(12, kl.size());
        assertTrue(kl.get(11) < kl.get(0) * 0.9, "indexer KL " + kl);
        // Only the KL is the objective: the language-model loss is not even computed.
        assertEquals(kl.get(0), context.lines.get(0).get("loss"), 1e-6);
        assertFalse(context.lines.get(0).containsKey("lm_loss"));
    }

    @Test
    void theSparseStageMovesTheIndexersAndTheModelAtTheirOwnRates() throws Exception {
        double lr = 1e-4;
        double indexerLr = 1e-2;
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(1, lr, DsaLayer.SPARSE));
        Map<String, float[]> before = values(context.model().parameters());
        new SparseCptStageKind().create(PluginConfig.of(Map.of("indexer_lr", indexerLr,
                "eval_examples", 2), "test")).run(context);
        Map<String, float[]> after = values(context.model().parameters());
        // Adam's first step moves every entry with a gradient by its rate, whatever the
        // gradient's size (less only where the gradient nears eps), so the largest move of a
        // parameter is its group's rate; the two rates are a hundred times apart.
        for (String name : before.keySet()) {
            double expected = name.contains(".self_attn.indexer.") ? indexerLr : lr;
            assertEquals(expected, largestMove(before.get(name), after.get(name)),
                    expected * 0.1, name);
        }
        Map<String, Double> step = context.lines.get(0);
        assertTrue(step.containsKey("lm_loss") && step.containsKey("aux/indexer_kl"),
                step.toString());
        assertEquals(step.get("lm_loss") + step.get("aux/indexer_kl"), step.get("loss"), 1e-5);
    }

    @Test
    void withDataExamplesAPresetTrainsOnThePromptAnswerPairsAsSftDoes() throws Exception {
        Map<String, Double> examples = firstStep(new SparseCptStageKind().create(
                PluginConfig.of(Map.of("data", "examples", "eval_examples", 2), "test")));
        Map<String, Double> sft = firstStep(TrainingStages.sft(
                PluginConfig.of(Map.of("eval_examples", 2), "test"), List.of(),
                settings -> SparseCptStageKind.preset(settings, 0)));
        Map<String, Double> documents = firstStep(new SparseCptStageKind().create(
                PluginConfig.of(Map.of("eval_examples", 2), "test")));
        assertEquals(sft.get("lm_loss"), examples.get("lm_loss"), 0, examples.toString());
        assertNotEquals(documents.get("lm_loss"), examples.get("lm_loss"), documents.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> new IndexerWarmupStageKind()
                .create(PluginConfig.of(Map.of("data", "tokens"), "test")));
        assertTrue(e.getMessage().contains("data") && e.getMessage().contains("tokens"),
                e.getMessage());
    }

    /** The metrics of the first step of {@code stage} on a fresh tiny model in sparse mode. */
    private Map<String, Double> firstStep(Stage stage) throws Exception {
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(1, 1e-3, DsaLayer.SPARSE));
        stage.run(context);
        return context.lines.get(0);
    }

    @Test
    void atAuxiliaryWeightZeroTheIndexersStayAsTheyAreAndTheirLossIsStillLogged()
            throws Exception {
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(2, 1e-2, DsaLayer.DENSE).withLossWeights(1, 0));
        Map<String, float[]> before = values(context.model().parameters());
        TrainingStages.pretrain(PluginConfig.of(Map.of("eval_examples", 2), "test"), List.of(),
                settings -> settings).run(context);
        Map<String, float[]> after = values(context.model().parameters());
        for (String name : before.keySet()) {
            boolean indexer = name.contains(".self_attn.indexer.");
            assertEquals(indexer, java.util.Arrays.equals(before.get(name), after.get(name)),
                    name + (indexer ? " changed" : " did not train"));
        }
        assertEquals(2, context.series("aux/indexer_kl").size());
        Map<String, Double> step = context.lines.get(0);
        assertEquals(step.get("lm_loss"), step.get("loss"), 1e-9);
    }

    @Test
    void evaluationReportsTheIndexersRecall() throws Exception {
        DsaTrainingContext context = new DsaTrainingContext(runFolder,
                DsaTrainingContext.settings(1, 1e-3, StageSettings.DEFAULT_MODE));
        new SparseCptStageKind().create(PluginConfig.of(Map.of("eval_examples", 2), "test"))
                .run(context);
        Map<String, Double> evaluation = context.lines.get(context.lines.size() - 1);
        double recall = evaluation.get("eval/indexer_recall");
        assertTrue(recall > 0 && recall <= 1, evaluation.toString());
    }

    /** The properties of the component description bnd wrote for {@code kind}. */
    private static Map<String, String> descriptor(Class<?> kind) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>();
        try (InputStream xml = kind.getResourceAsStream("/OSGI-INF/" + kind.getName()
                + ".xml")) {
            assertNotNull(xml, "no component description for " + kind.getName());
            NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml)
                    .getElementsByTagName("property");
            for (int i = 0; i < nodes.getLength(); i++) {
                Element property = (Element) nodes.item(i);
                properties.put(property.getAttribute("name"), property.hasAttribute("value")
                        ? property.getAttribute("value") : property.getTextContent());
            }
        }
        return properties;
    }

    private static double largestMove(float[] before, float[] after) {
        double largest = 0;
        for (int i = 0; i < before.length; i++) {
            largest = Math.max(largest, Math.abs((double) after[i] - before[i]));
        }
        return largest;
    }

    private static Map<String, float[]> values(ParameterStore store) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String name : store.names()) {
            values.put(name, store.get(name).value().toArray());
        }
        return values;
    }
}
