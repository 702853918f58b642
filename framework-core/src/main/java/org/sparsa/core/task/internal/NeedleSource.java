package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;

/**
 * {@code needle}: needle in a haystack. A configurable needle sentence sits in filler text at a
 * depth and a question asks for it; the evaluation set is a grid of haystack lengths by depths
 * ({@code eval_lengths} outermost, then {@code depths}, then {@code eval_repeats}) so that scores
 * can be drawn as the usual heat map. A {@code {value}} in the needle and the answer becomes a
 * random number per example.
 */
@Component(service = TaskSource.class)
@PluginInfo(kind = PluginKind.TASK, id = "needle",
        description = "Needle in a haystack: a needle sentence in filler text at a depth, asked"
                + " for by a question; evaluated on a grid of lengths and depths by exact match",
        config = {
            "length:int=4000 - characters of filler with the needle in it, for training",
            "depth:string=random - needle depth for training, 0 (start) to 1 (end), or random",
            "needle:string=The special magic number is {value}. - the hidden sentence",
            "question:string=What is the special magic number mentioned in the text? - asked"
                    + " after the haystack",
            "answer:string={value} - the reference answer",
            "digits:int=7 - digits of the number that replaces {value}",
            "filler:string - filler text, repeated by whole sentences; a default if absent",
            "depths:list=[0, 0.25, 0.5, 0.75, 1] - needle depths of the evaluation grid",
            "eval_lengths:list - haystack lengths of the evaluation grid; [length] if absent",
            "eval_repeats:int=4 - evaluation examples per grid cell",
            "seed:int=0 - seed of the evaluation set"})
public final class NeedleSource implements TaskSource {
    static final String LENGTH = "length";
    static final String DEPTH = "depth";
    static final String NEEDLE = "needle";
    static final String QUESTION = "question";
    static final String ANSWER = "answer";
    static final String DIGITS = "digits";
    static final String FILLER = "filler";
    static final String DEPTHS = "depths";
    static final String EVAL_LENGTHS = "eval_lengths";
    static final String EVAL_REPEATS = "eval_repeats";
    static final String SEED = "seed";
    private static final String INTRO = "Read the text below and answer the question after it."
            + "\n\n";

    @Override
    public Task create(PluginConfig config) {
        config.requireOnly(List.of(LENGTH, DEPTH, NEEDLE, QUESTION, ANSWER, DIGITS, FILLER,
                DEPTHS, EVAL_LENGTHS, EVAL_REPEATS, SEED));
        String needle = TaskConfigs.text(config, NEEDLE, "The special magic number is {value}.")
                .strip();
        String question = TaskConfigs.text(config, QUESTION,
                "What is the special magic number mentioned in the text?").strip();
        String answer = TaskConfigs.text(config, ANSWER, NeedleTask.VALUE).strip();
        if (answer.contains(NeedleTask.VALUE) && !needle.contains(NeedleTask.VALUE)) {
            throw new ConfigException(config.origin(), ANSWER, "expected no " + NeedleTask.VALUE
                    + " when the needle has none, since it could not be read from the context");
        }
        int digits = TaskConfigs.integer(config, DIGITS, 7, 1, 18);
        List<String> sentences = Haystack.sentences(
                TaskConfigs.text(config, FILLER, PasskeySource.FILLER));
        int needleLength = needle.replace(NeedleTask.VALUE, "0".repeat(digits)).length();
        int length = haystackLength(config, LENGTH, config.integer(LENGTH, 4000), needleLength);
        double depth = TaskConfigs.depth(config, DEPTH, "random");
        List<Double> depths = TaskConfigs.numbers(config, DEPTHS,
                List.of(0.0, 0.25, 0.5, 0.75, 1.0), 0, 1);
        List<Integer> lengths = new ArrayList<>();
        if (config.has(EVAL_LENGTHS)) {
            List<Object> items = config.list(EVAL_LENGTHS);
            if (items.isEmpty()) {
                throw new ConfigException(config.origin(), EVAL_LENGTHS,
                        "expected a non-empty list of haystack lengths");
            }
            for (int i = 0; i < items.size(); i++) {
                String key = EVAL_LENGTHS + "[" + i + "]";
                PluginConfig item = PluginConfig.of(java.util.Map.of(key,
                        String.valueOf(items.get(i))), config.origin());
                lengths.add(haystackLength(item, key, item.integer(key, 0), needleLength));
            }
        } else {
            lengths.add(length);
        }
        int repeats = TaskConfigs.integer(config, EVAL_REPEATS, 4, 0, 100_000);
        long seed = TaskConfigs.seed(config, SEED, 0);
        NeedleTask.Template template = new NeedleTask.Template(INTRO, needle,
                "\n\nQuestion: " + question + "\nAnswer:", answer, digits);
        return new NeedleTask(template, sentences, length, depth)
                .evaluateOnGrid(seed, lengths, depths, repeats);
    }

    private static int haystackLength(PluginConfig config, String key, long value,
            int needleLength) {
        if (value <= needleLength || value > 100_000_000) {
            throw new ConfigException(config.origin(), key, "expected a length in characters"
                    + " above the needle's (" + needleLength + ") and at most 100000000, found "
                    + value);
        }
        return (int) value;
    }
}
