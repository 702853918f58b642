package org.sparsa.testkit.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

/**
 * The conformance suite of a reward model. A plugin's test extends it and supplies the model,
 * a configuration and the range its values are declared to lie in; the suite then scores
 * hostile completions (empty, huge, unbalanced braces and {@code \boxed{}}, nested tags,
 * control characters, lone surrogates, emoji, right-to-left text, very long numbers, NaN and
 * infinity spelled out), each against several reference answers, lengths in tokens and a small
 * rubric, and checks:
 *
 * <ul>
 *   <li>no score throws or takes longer than {@link #timeLimit()};
 *   <li>every value lies in {@code [minimum(), maximum()]}, and every component is finite;
 *   <li>scoring a group gives one result per completion, in range; a reward that is not
 *       group-level scores a group as it scores each completion alone;
 *   <li>the same completion scores bit-identically twice, and from several threads at once.
 * </ul>
 */
public abstract class RewardModelConformance {
    private static final List<RubricItem> RUBRIC = List.of(
            new RubricItem("contains: 7", 1),
            new RubricItem("not_contains: {", 1),
            new RubricItem("regex: (a+)+$", 1),
            new RubricItem("numeric: 7 ± 0.5", 2),
            new RubricItem("max_length: 100", 1),
            new RubricItem("not a rule", 1));

    /** The reward model under test. */
    protected abstract RewardModel model();

    /** The lowest value the reward declares. */
    protected abstract double minimum();

    /** The highest value the reward declares. */
    protected abstract double maximum();

    /** The configuration to check; the default is the model's defaults. */
    protected PluginConfig config() {
        return PluginConfig.empty();
    }

    /**
     * How the reward reaches other rewards and judges; the default has none, which suits
     * rewards that need neither.
     */
    protected RewardContext context() {
        return new RewardContext() {
            @Override
            public RewardFunction reward(String id, PluginConfig config) {
                throw new IllegalArgumentException("no reward '" + id + "': the conformance "
                        + "test supplies no context; override context()");
            }

            @Override
            public JudgeFunction judge(String id, PluginConfig config) {
                throw new IllegalArgumentException("no judge '" + id + "': the conformance "
                        + "test supplies no context; override context()");
            }
        };
    }

    /** The longest one score may take. */
    protected Duration timeLimit() {
        return Duration.ofSeconds(5);
    }

    private RewardFunction reward() {
        return model().create(config(), context());
    }

    /** Every hostile text against every reference, without one, and with odd metadata. */
    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Map.Entry<String, String> text : AdversarialTexts.completions().entrySet()) {
            cases.add(new Case(text.getKey() + ", no reference",
                    Completion.builder(text.getValue()).build()));
            boolean huge = text.getValue().length() > AdversarialTexts.HUGE / 2;
            for (Map.Entry<String, String> reference : AdversarialTexts.references().entrySet()) {
                // Huge texts meet a few references only, and the rubric once: enough to find
                // what their size breaks, without scanning them a dozen times.
                if (huge && !AdversarialTexts.HUGE_TEXT_REFERENCES.contains(reference.getKey())) {
                    continue;
                }
                boolean rubric = !huge || reference.getKey().equals("7");
                cases.add(new Case(text.getKey() + ", reference " + reference.getKey(),
                        Completion.builder(text.getValue()).reference(reference.getValue())
                                .rubric(rubric ? RUBRIC : List.of()).build()));
            }
            cases.add(new Case(text.getKey() + ", judged correct, 0 tokens",
                    Completion.builder(text.getValue()).reference("7").correct(true)
                            .lengthTokens(0).prompt(text.getValue()).build()));
            cases.add(new Case(text.getKey() + ", judged wrong, the most tokens",
                    Completion.builder(text.getValue()).reference("7").correct(false)
                            .lengthTokens(Integer.MAX_VALUE).build()));
        }
        return cases;
    }

    /** A named completion. */
    private record Case(String name, Completion completion) {
    }

    /** Every hostile case scores in time, finite and within the declared range. */
    @TestFactory
    public Stream<DynamicTest> everyHostileCompletionScoresInRange() {
        RewardFunction reward = reward();
        return cases().stream().map(c -> dynamicTest(c.name(), () -> {
            RewardResult result = assertTimeoutPreemptively(timeLimit(),
                    () -> reward.score(c.completion()));
            assertInRange(result, c.name());
        }));
    }

    /** Groups of hostile completions score one result each, in range. */
    @Test
    public void groupsScoreOneResultEachInRange() {
        RewardFunction reward = reward();
        List<Case> cases = cases();
        // Groups of eight consecutive cases: one text against several references and lengths.
        for (int from = 0; from < cases.size(); from += 8) {
            List<Case> slice = cases.subList(from, Math.min(cases.size(), from + 8));
            List<Completion> group = slice.stream().map(Case::completion).toList();
            List<RewardResult> results = assertTimeoutPreemptively(
                    timeLimit().multipliedBy(group.size()), () -> reward.scoreGroup(group));
            assertEquals(group.size(), results.size(), "results for the group from "
                    + slice.get(0).name());
            for (int i = 0; i < results.size(); i++) {
                assertInRange(results.get(i), "in a group: " + slice.get(i).name());
                if (!reward.groupLevel()) {
                    assertEquals(reward.score(group.get(i)), results.get(i),
                            "a reward that is not group-level scored " + slice.get(i).name()
                                    + " differently in a group");
                }
            }
        }
        assertEquals(List.of(), reward.scoreGroup(List.of()), "an empty group");
    }

    /** The same completion scores the same twice and from several threads. */
    @Test
    public void scoresAreDeterministicAndThreadSafe() throws Exception {
        RewardFunction reward = reward();
        List<Completion> completions = cases().stream().map(Case::completion)
                .filter(c -> c.text().length() < 10_000).toList();
        List<RewardResult> first = new ArrayList<>();
        for (Completion completion : completions) {
            first.add(reward.score(completion));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<RewardResult>> futures = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (Completion completion : completions) {
                    futures.add(pool.submit(() -> reward.score(completion)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                int k = i % completions.size();
                assertEquals(first.get(k), futures.get(i).get(),
                        "second score of " + completions.get(k));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void assertInRange(RewardResult result, String where) {
        double value = result.value();
        assertTrue(value >= minimum() && value <= maximum(), where + ": value " + value
                + " outside the declared [" + minimum() + ", " + maximum() + "]");
        result.components().forEach((name, component) -> assertTrue(
                component != null && Double.isFinite(component),
                where + ": component " + name + " = " + component));
    }
}
