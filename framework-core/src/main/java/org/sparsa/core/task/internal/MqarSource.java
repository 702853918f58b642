package org.sparsa.core.task.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;

/** {@code mqar}: multi-query associative recall, the standard probe of in-context recall. */
@Component(service = TaskSource.class)
@PluginInfo(kind = PluginKind.TASK, id = "mqar",
        description = "Multi-query associative recall: key=value pairs, then queries of some"
                + " keys, answered by their values; scored by recall and exact match",
        config = {
            "pairs:int=8 - key-value pairs in each prompt",
            "queries:int=4 - keys queried, distinct, at most pairs",
            "key_alphabet:string=abcdefghijklmnopqrstuvwxyz - symbols keys are spelled with",
            "key_length:int=2 - symbols per key",
            "value_alphabet:string=0123456789 - symbols values are spelled with",
            "value_length:int=1 - symbols per value",
            "layout:string=listed - listed (the queries on one line, their values on the next)"
                    + " or inline (each query followed by its value, the last one asked)",
            "eval_size:int=256 - examples in the evaluation set",
            "seed:int=0 - seed of the evaluation set"})
public final class MqarSource implements TaskSource {
    static final String PAIRS = "pairs";
    static final String QUERIES = "queries";
    static final String KEY_ALPHABET = "key_alphabet";
    static final String KEY_LENGTH = "key_length";
    static final String VALUE_ALPHABET = "value_alphabet";
    static final String VALUE_LENGTH = "value_length";
    static final String LAYOUT = "layout";
    static final String EVAL_SIZE = "eval_size";
    static final String SEED = "seed";
    /** The separators the prompt uses, kept out of alphabets so that it parses one way. */
    private static final String RESERVED = "=:";

    @Override
    public Task create(PluginConfig config) {
        config.requireOnly(List.of(PAIRS, QUERIES, KEY_ALPHABET, KEY_LENGTH, VALUE_ALPHABET,
                VALUE_LENGTH, LAYOUT, EVAL_SIZE, SEED));
        int pairs = TaskConfigs.integer(config, PAIRS, 8, 1, 4096);
        int queries = TaskConfigs.integer(config, QUERIES, 4, 1, 4096);
        if (queries > pairs) {
            throw new ConfigException(config.origin(), QUERIES, "expected at most pairs ("
                    + pairs + ") queries, since queried keys are distinct, found " + queries);
        }
        Alphabet keys = Alphabet.of(config, KEY_ALPHABET, "abcdefghijklmnopqrstuvwxyz", RESERVED);
        int keyLength = TaskConfigs.integer(config, KEY_LENGTH, 2, 1, 64);
        if (keys.words(keyLength) < pairs) {
            throw new ConfigException(config.origin(), KEY_LENGTH, "expected keys long enough for "
                    + pairs + " distinct keys over " + keys.size() + " symbols, found "
                    + keyLength + " (" + keys.words(keyLength) + " keys)");
        }
        Alphabet values = Alphabet.of(config, VALUE_ALPHABET, "0123456789", RESERVED);
        int valueLength = TaskConfigs.integer(config, VALUE_LENGTH, 1, 1, 64);
        String layout = config.string(LAYOUT, MqarTask.LISTED).strip();
        if (!MqarTask.LAYOUTS.contains(layout)) {
            throw new ConfigException(config.origin(), LAYOUT, "expected one of "
                    + MqarTask.LAYOUTS + ", found '" + layout + "'");
        }
        int evalSize = TaskConfigs.integer(config, EVAL_SIZE, 256, 0, 1_000_000);
        long seed = TaskConfigs.seed(config, SEED, 0);
        return new MqarTask(pairs, queries, keys, keyLength, values, valueLength, layout, seed,
                evalSize);
    }
}
