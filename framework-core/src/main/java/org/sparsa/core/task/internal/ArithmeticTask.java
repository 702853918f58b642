package org.sparsa.core.task.internal;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;
import org.sparsa.core.random.SplitMix64;

/**
 * Arithmetic word problems: a person starts from a number and applies {@code terms - 1}
 * operations to it in turn, left to right (no precedence to get wrong), then is asked for the
 * result in {@code \boxed{}}. Operands have exactly {@code digits} digits; results may be
 * negative and are exact however large. The reference is the result in decimal, which is what
 * the {@code accuracy} reward compares the last box with; in the {@code boxed} and
 * {@code think} answer formats it is a formatted answer whose last box holds that result
 * (the think format works the steps out first, {@code <think>12+30=42</think> \boxed{42}}), so
 * that fine-tuning on it teaches the format the rewards ask for. With a think fraction below 1
 * only that share of the problems is worked out and the others are answered by the box alone:
 * a cold start that teaches both ways of answering and leaves the choice between them to the
 * model, which is what reinforcement learning on the outcome can then settle.
 */
final class ArithmeticTask extends GeneratedTask {
    private static final List<String> NAMES = List.of("Ava", "Ben", "Chloe", "Dev", "Elena",
            "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kemi", "Liam", "Mei", "Noor", "Omar",
            "Priya");
    private static final List<String> START = List.of("%s writes down the number %s.",
            "%s starts with the number %s.", "%s thinks of the number %s.");
    private static final List<String> ADD = List.of("Then %s adds %s.",
            "Next, %s increases it by %s.");
    private static final List<String> SUBTRACT = List.of("Then %s subtracts %s.",
            "Next, %s takes away %s.");
    private static final List<String> MULTIPLY = List.of("Then %s multiplies the result by %s.",
            "Next, %s makes it %s times as large.");

    private static final Pattern NUMBER = Pattern.compile("\\d+");
    static final String PLAIN = "plain";
    static final String BOXED = "boxed";
    static final String THINK = "think";
    static final List<String> FORMATS = List.of(PLAIN, BOXED, THINK);

    private final int digits;
    private final List<Character> operations;
    private final int terms;
    private final String format;
    private final double thinkFraction;

    ArithmeticTask(int digits, List<Character> operations, int terms, long seed, int evalSize) {
        this(digits, operations, terms, seed, evalSize, PLAIN, 1);
    }

    ArithmeticTask(int digits, List<Character> operations, int terms, long seed, int evalSize,
            String format, double thinkFraction) {
        this.digits = digits;
        this.operations = List.copyOf(operations);
        this.terms = terms;
        this.format = format;
        this.thinkFraction = thinkFraction;
        drawEvaluation(seed, evalSize);
    }

    @Override
    Example generate(RandomGenerator random) {
        String name = pick(random, NAMES);
        BigInteger value = operand(random);
        StringBuilder prompt = new StringBuilder(String.format(pick(random, START), name, value));
        StringBuilder steps = new StringBuilder();
        for (int t = 1; t < terms; t++) {
            char op = operations.get(random.nextInt(operations.size()));
            BigInteger operand = operand(random);
            BigInteger before = value;
            List<String> phrasings = switch (op) {
                case '+' -> ADD;
                case '-' -> SUBTRACT;
                default -> MULTIPLY;
            };
            value = switch (op) {
                case '+' -> value.add(operand);
                case '-' -> value.subtract(operand);
                default -> value.multiply(operand);
            };
            prompt.append(' ').append(String.format(pick(random, phrasings), name, operand));
            steps.append(steps.length() == 0 ? "" : " ").append(before).append(op)
                    .append(operand).append('=').append(value);
        }
        prompt.append(" What number does ").append(name)
                .append(" end up with? Put the final answer in \\boxed{}.");
        String boxed = "\\boxed{" + value + "}";
        String reference = switch (format) {
            case BOXED -> boxed;
            case THINK -> worked(steps) ? "<think>" + steps + "</think> " + boxed : boxed;
            default -> value.toString();
        };
        return new Example(prompt.toString(), reference, List.of());
    }

    /**
     * Whether the problem whose steps are {@code steps} gets a worked reference. Decided by the
     * problem, not by a draw, so that the evaluation set is the same for every think fraction
     * and a problem is always answered the same way.
     */
    private boolean worked(CharSequence steps) {
        if (thinkFraction >= 1) {
            return true;
        }
        long hash = SplitMix64.forPurpose(steps.toString().hashCode(), "think").nextLong();
        return (hash >>> 11) * 0x1.0p-53 < thinkFraction;
    }

    /**
     * The problem without its wording: the operations and operands in order, so that a training
     * draw that only renames the person or rephrases a step still counts as held out.
     */
    @Override
    String identity(Example example) {
        StringBuilder out = new StringBuilder();
        for (String sentence : example.prompt().split("(?<=\\.) ")) {
            Matcher number = NUMBER.matcher(sentence);
            if (!number.find()) {
                continue;
            }
            out.append(out.length() == 0 ? "" : operation(sentence)).append(number.group());
        }
        return out.toString();
    }

    private static String operation(String sentence) {
        if (sentence.contains("adds") || sentence.contains("increases")) {
            return "+";
        }
        if (sentence.contains("subtracts") || sentence.contains("takes away")) {
            return "-";
        }
        return "*";
    }

    private BigInteger operand(RandomGenerator random) {
        long low = digits == 1 ? 0 : pow10(digits - 1);
        return BigInteger.valueOf(random.nextLong(low, pow10(digits)));
    }

    private static long pow10(int exponent) {
        long out = 1;
        for (int i = 0; i < exponent; i++) {
            out *= 10;
        }
        return out;
    }

    private static String pick(RandomGenerator random, List<String> options) {
        return options.get(random.nextInt(options.size()));
    }

    /**
     * {@value TaskScore#EXACT_MATCH}: 1 when the completion's last {@code \boxed{}} answer, read
     * as the {@code accuracy} reward reads it, equals the reference.
     */
    @Override
    public TaskScore score(Example example, String completion) {
        if (example.reference() == null) {
            return TaskScore.none();
        }
        return TaskScore.exactMatch(BoxedAnswer.matches(completion, example.reference()));
    }
}
