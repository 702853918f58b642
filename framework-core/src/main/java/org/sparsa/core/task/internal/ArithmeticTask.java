package org.sparsa.core.task.internal;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;

/**
 * Arithmetic word problems: a person starts from a number and applies {@code terms - 1}
 * operations to it in turn, left to right (no precedence to get wrong), then is asked for the
 * result in {@code \boxed{}}. Operands have exactly {@code digits} digits; results may be
 * negative and are exact however large. The reference is the result in decimal, which is what
 * the {@code accuracy} reward compares the last box with; in the {@code boxed} and
 * {@code think} answer formats it is a formatted answer whose last box holds that result
 * (the think format works the steps out first, {@code <think>12+30=42</think> \boxed{42}}), so
 * that fine-tuning on it teaches the format the rewards ask for.
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

    ArithmeticTask(int digits, List<Character> operations, int terms, long seed, int evalSize) {
        this(digits, operations, terms, seed, evalSize, PLAIN);
    }

    ArithmeticTask(int digits, List<Character> operations, int terms, long seed, int evalSize,
            String format) {
        this.digits = digits;
        this.operations = List.copyOf(operations);
        this.terms = terms;
        this.format = format;
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
        String reference = switch (format) {
            case BOXED -> "\\boxed{" + value + "}";
            case THINK -> "<think>" + steps + "</think> \\boxed{" + value + "}";
            default -> value.toString();
        };
        return new Example(prompt.toString(), reference, List.of());
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
