package org.sparsa.rewards.internal.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class NumberTokensTest {

    @Test
    void lastNumberOfTheText() {
        assertEquals(OptionalDouble.of(42), NumberTokens.last("40 then 42"));
        assertEquals(OptionalDouble.of(-2.5), NumberTokens.last("x = -2.5."));
        assertEquals(OptionalDouble.of(3), NumberTokens.last("x-3"));
        assertEquals(OptionalDouble.of(234), NumberTokens.last("1,234"));
        assertEquals(OptionalDouble.of(2), NumberTokens.last("1/2"));
        assertEquals(OptionalDouble.of(0.001), NumberTokens.last("1e-3"));
        assertEquals(OptionalDouble.of(2), NumberTokens.last("2em"));
        assertEquals(OptionalDouble.of(0.3), NumberTokens.last("1.2.3"));
        assertEquals(OptionalDouble.empty(), NumberTokens.last("no digits. at all - e"));
        assertEquals(Double.POSITIVE_INFINITY, NumberTokens.last("1e999999999999").getAsDouble());
    }

    @Test
    void wholeNumbersOnly() {
        assertEquals(OptionalDouble.of(-0.5), NumberTokens.whole("-.5"));
        assertEquals(OptionalDouble.of(3), NumberTokens.whole("+3"));
        for (String bad : new String[] {"", "+", "3d", "0x1p3", "NaN", "1 2", "- 1", "1e"}) {
            assertTrue(NumberTokens.whole(bad).isEmpty(), bad);
        }
    }
}
