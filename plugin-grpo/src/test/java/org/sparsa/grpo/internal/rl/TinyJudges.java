package org.sparsa.grpo.internal.rl;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RubricItem;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.TrainingStages;

/**
 * Judge models for the tests: a tiny byte-level model fine-tuned by the built-in {@code sft}
 * stage (60 steps of 32 rows) to answer 7 to a completion of a few words that holds the word
 * {@value #MARKER} and 2 to one that does not, and untrained ones. Training takes a few seconds,
 * so the trained judge is made once and shared.
 */
final class TinyJudges {
    /** The word that earns a 7; its letter y is in no other word, which makes it quick to learn. */
    static final String MARKER = "yes";
    /** A short template keeps the judge's prompts within a tiny model's reach. */
    static final String TEMPLATE = "{completion} =>";
    /** The criterion of every rubric item the tests judge. */
    static final RubricItem ITEM = new RubricItem("says yes", 1);
    /** Words the completions are made of. */
    static final List<String> WORDS = List.of(MARKER, "bad", "cat", "dog", "sun", "tree",
            "blue", "red");
    static final int MAX_SEQUENCE = 48;

    private static LlamaModel trained;

    private TinyJudges() {
    }

    /** An untrained judge: its greedy answers are whatever its random weights make. */
    static LlamaModel untrained(long seed) {
        return RlTestContext.model(false, 32, MAX_SEQUENCE, seed);
    }

    /** The trained judge, fine-tuned on first use. */
    static synchronized LlamaModel trained() {
        if (trained == null) {
            LlamaModel model = untrained(3);
            try {
                RlTestContext context = new RlTestContext(RlTestContext.settings(60, 32, 1e-2),
                        model, new MarkedWords(), Files.createTempDirectory("judge-sft"));
                TrainingStages.sft(PluginConfig.of(Map.of("eval_examples", 4), "sft"), List.of(),
                        s -> s).run(context);
            } catch (Exception e) {
                throw new IllegalStateException("the judge's sft stage failed", e);
            }
            trained = model;
        }
        return trained;
    }

    /** The score the trained judge learned for {@code completion}, as the template's answer. */
    static String expectedAnswer(String completion) {
        return completion.contains(MARKER) ? "7" : "2";
    }

    /**
     * Completions of one to three of {@link #WORDS}, each judged through {@link #TEMPLATE};
     * the reference is the score the judge should give.
     */
    static final class MarkedWords implements Task {
        private static final JudgeTemplate JUDGE_PROMPT = JudgeTemplate.of(TEMPLATE);

        @Override
        public Example sample(RandomGenerator random) {
            int words = 1 + random.nextInt(3);
            List<String> picked = new ArrayList<>();
            for (int i = 0; i < words; i++) {
                picked.add(WORDS.get(random.nextInt(WORDS.size())));
            }
            return example(String.join(" ", picked));
        }

        @Override
        public List<Example> evaluationSet() {
            SplitMix64 random = SplitMix64.seeded(1);
            List<Example> out = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                out.add(sample(random));
            }
            return out;
        }

        static Example example(String completion) {
            return new Example(JUDGE_PROMPT.fill(ITEM.criterion(), "", completion, 10),
                    expectedAnswer(completion), List.of());
        }
    }
}
