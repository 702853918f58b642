package org.sparsa.core.task.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;

/**
 * {@code passkey}: a random pass key hidden in repetitive filler, the long-context retrieval test
 * of the landmark-attention paper. {@code length} counts the characters of the filler with the
 * pass key sentence in it, not the fixed introduction and question around it.
 */
@Component(service = TaskSource.class)
@PluginInfo(kind = PluginKind.TASK, id = "passkey",
        description = "A random pass key hidden in filler text at a depth; the answer is the pass"
                + " key, scored by exact match",
        config = {
            "length:int=2000 - characters of filler with the pass key in it",
            "depth:string=random - where the pass key sits, 0 (start) to 1 (end), or random",
            "digits:int=5 - digits of the pass key",
            "eval_size:int=100 - examples in the evaluation set",
            "seed:int=0 - seed of the evaluation set"})
public final class PasskeySource implements TaskSource {
    static final String LENGTH = "length";
    static final String DEPTH = "depth";
    static final String DIGITS = "digits";
    static final String EVAL_SIZE = "eval_size";
    static final String SEED = "seed";
    static final String FILLER = "The grass is green. The sky is blue. The sun is yellow."
            + " Here we go. There and back again.";
    static final NeedleTask.Template TEMPLATE = new NeedleTask.Template(
            "There is an important info hidden inside a lot of irrelevant text. Find it and"
                    + " memorize it. I will quiz you about the important information there.\n\n",
            "The pass key is {value}. Remember it. {value} is the pass key.",
            "\n\nWhat is the pass key? The pass key is", "{value}", 0);

    @Override
    public Task create(PluginConfig config) {
        config.requireOnly(List.of(LENGTH, DEPTH, DIGITS, EVAL_SIZE, SEED));
        int digits = TaskConfigs.integer(config, DIGITS, 5, 1, 18);
        NeedleTask.Template template = new NeedleTask.Template(TEMPLATE.intro(),
                TEMPLATE.needle(), TEMPLATE.question(), TEMPLATE.answer(), digits);
        int needle = TEMPLATE.needle().replace(NeedleTask.VALUE, "0".repeat(digits)).length();
        int length = TaskConfigs.integer(config, LENGTH, 2000, 1, 100_000_000);
        if (length <= needle) {
            throw new ConfigException(config.origin(), LENGTH, "expected more characters than the"
                    + " pass key sentence (" + needle + "), found " + length);
        }
        double depth = TaskConfigs.depth(config, DEPTH, "random");
        int evalSize = TaskConfigs.integer(config, EVAL_SIZE, 100, 0, 1_000_000);
        long seed = TaskConfigs.seed(config, SEED, 0);
        return new NeedleTask(template, Haystack.sentences(FILLER), length, depth)
                .evaluateOnDraws(seed, evalSize);
    }
}
