package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;

class ArithmeticStepsRewardTest {
    private static final RewardFunction REWARD =
            new TestRewardContext().create("arithmetic_steps", Map.of());
    private static final String REFERENCE = "<think>7+4=11 11-9=2</think> \\boxed{2}";

    @ParameterizedTest(name = "{0} scores {1}")
    @CsvSource(delimiter = '|', value = {
        "<think>7+4=11 11-9=2</think> \\boxed{2}      | 1.0",
        // the boxed answer is not this reward's business
        "<think>7+4=11 11-9=2</think> \\boxed{5}      | 1.0",
        "<think>7+4=11 11-9=3</think> \\boxed{3}      | 0.5",
        "<think>7+4=12 12-9=3</think> \\boxed{3}      | 0.5",
        "<think>7+4=12 11-9=2</think> \\boxed{2}      | 0.0",
        "<think>7 + 4 = 11  11 - 9 = 2</think>         | 1.0",
        "<think>-1-4=-5 -5*3=-15</think>              | 1.0",
        // leaving a step out does not pay: the reference has two
        "<think>7+4=11</think> \\boxed{11}            | 0.5",
        // writing more steps than the reference is judged over the steps written
        "<think>7+4=11 11-9=2 2+0=2</think>           | 1.0",
        "<think>7+4=11 11-9=2 2+0=3</think>           | 0.6666666666666666",
        "<think>0-1==-3-4=-3</think> \\boxed{-3}      | 0.0",
        "7+4=11 11-9=2 \\boxed{2}                     | 0.0",
        "<think>7+4=11 11-9=2                         | 0.0",
        "</think>7+4=11<think>                         | 0.0",
        "''                                            | 0.0",
    })
    void scoresTheRightStepsOverTheStepsExpected(String text, double expected) {
        Completion completion = Completion.builder(text.strip()).reference(REFERENCE).build();
        assertEquals(expected, REWARD.score(completion).value(), 1e-15);
    }

    @ParameterizedTest(name = "{0} without a reference scores {1}")
    @CsvSource(delimiter = '|', value = {
        "<think>7+4=11</think>                        | 1.0",
        "<think>99999999999999999*99999999999999999=9999999999999999800000000000000001</think> | 1.0",
        "<think>no steps at all</think>               | 0.0",
    })
    void withoutAReferenceTheStepsWrittenAreExpected(String text, double expected) {
        assertEquals(expected, REWARD.score(Completion.of(text.strip())).value(), 1e-15);
    }
}
