package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskSource;

/**
 * Pinned examples: a seed must give the same example in every version, or results recorded
 * with an old evaluation set stop being comparable. A change here is a deliberate format change.
 */
class GoldenExamplesTest {

    private static Example evaluation(TaskSource source, Map<String, Object> config) {
        return source.create(PluginConfig.of(config, "golden")).evaluationSet().get(0);
    }

    private static Example drawn(TaskSource source, Map<String, Object> config) {
        return source.create(PluginConfig.of(config, "golden")).sample(new SplittableRandom(1));
    }

    @Test
    void mqar() {
        Map<String, Object> config = Map.of("pairs", 4, "queries", 2, "eval_size", 2);
        assertEquals(new Example("yq=8 hh=9 ne=1 bs=9\nquery: hh yq\nanswer:", "9 8", List.of()),
                evaluation(new MqarSource(), config));
        assertEquals(new Example("oe=7 px=6 lg=2 cn=6\nquery: oe px\nanswer:", "7 6", List.of()),
                drawn(new MqarSource(), config));
        // The inline layout draws the same pairs and queries.
        Map<String, Object> inline = Map.of("pairs", 4, "queries", 2, "eval_size", 2, "layout",
                "inline");
        assertEquals(new Example("yq=8 hh=9 ne=1 bs=9\nhh= 9 yq=", "8", List.of()),
                evaluation(new MqarSource(), inline));
        assertEquals(new Example("oe=7 px=6 lg=2 cn=6\noe= 7 px=", "6", List.of()),
                drawn(new MqarSource(), inline));
    }

    @Test
    void arithmetic() {
        Map<String, Object> config = Map.of("terms", 3, "eval_size", 2);
        assertEquals(new Example("Noor writes down the number 10. Next, Noor increases it by 43."
                + " Next, Noor makes it 50 times as large. What number does Noor end up with?"
                + " Put the final answer in \\boxed{}.", "2650", List.of()),
                evaluation(new ArithmeticSource(), config));
        assertEquals(new Example("Noor starts with the number 49. Then Noor subtracts 20. Then"
                + " Noor adds 56. What number does Noor end up with? Put the final answer in"
                + " \\boxed{}.", "85", List.of()), drawn(new ArithmeticSource(), config));
    }

    @Test
    void passkey() {
        assertEquals(new Example("There is an important info hidden inside a lot of irrelevant"
                + " text. Find it and memorize it. I will quiz you about the important information"
                + " there.\n\nThe grass is green. The sky is blue. The sun is yellow. Here we go."
                + " The pass key is 86739. Remember it. 86739 is the pass key. There and back"
                + " again. The grass is green. The sky is blue.\n\nWhat is the pass key? The pass"
                + " key is", "86739", List.of()), evaluation(new PasskeySource(),
                        Map.of("length", 200, "depth", 0.5, "eval_size", 1)));
    }
}
