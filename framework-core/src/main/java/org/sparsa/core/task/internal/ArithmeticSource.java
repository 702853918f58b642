package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;

/** {@code arithmetic}: word problems whose answer is a number given in {@code \boxed{}}. */
@Component(service = TaskSource.class)
@PluginInfo(kind = PluginKind.TASK, id = "arithmetic",
        description = "Arithmetic word problems applied left to right, answered in \\boxed{};"
                + " scored by exact match of the boxed answer",
        config = {
            "digits:int=2 - digits of each operand",
            "operations:list=[+, -, *] - operations to draw from, as a list or a string like +-*",
            "terms:int=2 - operands per problem, at least 2",
            "eval_size:int=200 - examples in the evaluation set",
            "seed:int=0 - seed of the evaluation set",
            "answer_format:string=plain - the reference: plain (the number), boxed"
                    + " (\\boxed{number}) or think (<think>the steps</think> \\boxed{number}),"
                    + " the last two to fine-tune a model on formatted answers",
            "think_fraction:double=1 - with answer_format think, the share of problems whose"
                    + " reference is worked out; the others are boxed answers alone"})
public final class ArithmeticSource implements TaskSource {
    static final String DIGITS = "digits";
    static final String OPERATIONS = "operations";
    static final String TERMS = "terms";
    static final String EVAL_SIZE = "eval_size";
    static final String SEED = "seed";
    static final String ANSWER_FORMAT = "answer_format";
    static final String THINK_FRACTION = "think_fraction";

    @Override
    public Task create(PluginConfig config) {
        config.requireOnly(List.of(DIGITS, OPERATIONS, TERMS, EVAL_SIZE, SEED, ANSWER_FORMAT,
                THINK_FRACTION));
        int digits = TaskConfigs.integer(config, DIGITS, 2, 1, 18);
        int terms = TaskConfigs.integer(config, TERMS, 2, 2, 64);
        int evalSize = TaskConfigs.integer(config, EVAL_SIZE, 200, 0, 1_000_000);
        long seed = TaskConfigs.seed(config, SEED, 0);
        String format = config.string(ANSWER_FORMAT, ArithmeticTask.PLAIN).strip();
        if (!ArithmeticTask.FORMATS.contains(format)) {
            throw new ConfigException(config.origin(), ANSWER_FORMAT, "expected one of "
                    + ArithmeticTask.FORMATS + ", found '" + format + "'");
        }
        double thinkFraction = TaskConfigs.number(config, THINK_FRACTION, 1, 0, 1);
        if (thinkFraction < 1 && !format.equals(ArithmeticTask.THINK)) {
            throw new ConfigException(config.origin(), THINK_FRACTION, "applies to answer_format"
                    + " think only, found answer_format '" + format + "'");
        }
        return new ArithmeticTask(digits, operations(config), terms, seed, evalSize, format,
                thinkFraction);
    }

    /** The operations, from a list of one-symbol strings or one string of symbols. */
    private static List<Character> operations(PluginConfig config) {
        Object raw = config.asMap().get(OPERATIONS);
        List<String> symbols = new ArrayList<>();
        if (raw == null) {
            symbols.addAll(List.of("+", "-", "*"));
        } else if (raw instanceof String text) {
            text.codePoints().filter(cp -> !Character.isWhitespace(cp) && cp != ',')
                    .forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        } else {
            config.list(OPERATIONS).forEach(item -> symbols.add(String.valueOf(item).strip()));
        }
        Set<Character> out = new LinkedHashSet<>();
        for (String symbol : symbols) {
            if (!List.of("+", "-", "*").contains(symbol)) {
                throw new ConfigException(config.origin(), OPERATIONS, "expected operations among"
                        + " +, - and *, found '" + symbol + "'");
            }
            out.add(symbol.charAt(0));
        }
        if (out.isEmpty()) {
            throw new ConfigException(config.origin(), OPERATIONS,
                    "expected at least one of +, - and *");
        }
        return new ArrayList<>(out);
    }
}
