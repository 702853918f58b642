package org.sparsa.core.task.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;
import org.sparsa.core.io.BoundedReads;

/**
 * {@code corpus}: language modelling on a UTF-8 text file (bytes that are not UTF-8 read as
 * U+FFFD). The last {@code split} of the text is held out for evaluation, so held-out windows are
 * text the model never trained on.
 */
@Component(service = TaskSource.class)
@PluginInfo(kind = PluginKind.TASK, id = "corpus",
        description = "Language modelling on a text file: random windows of its leading part for"
                + " training, consecutive windows of its held-out tail for evaluation",
        config = {
            "path:string - the UTF-8 text file",
            "split:double=0.1 - fraction of the text, at its end, held out for evaluation",
            "window:int=512 - characters per example",
            "eval_size:int=64 - held-out windows in the evaluation set, at most"})
public final class CorpusSource implements TaskSource {
    static final String PATH = "path";
    static final String SPLIT = "split";
    static final String WINDOW = "window";
    static final String EVAL_SIZE = "eval_size";

    @Override
    public Task create(PluginConfig config) {
        config.requireOnly(List.of(PATH, SPLIT, WINDOW, EVAL_SIZE));
        if (!config.has(PATH)) {
            throw new ConfigException(config.origin(), PATH, "missing; expected the path of a"
                    + " UTF-8 text file");
        }
        String pathText = TaskConfigs.text(config, PATH, "");
        double split = TaskConfigs.number(config, SPLIT, 0.1, 0, 0.99);
        int window = TaskConfigs.integer(config, WINDOW, 512, 1, Integer.MAX_VALUE);
        int evalSize = TaskConfigs.integer(config, EVAL_SIZE, 64, 0, 1_000_000);
        String text = read(config, pathText);
        int trainEnd = text.length() - (int) Math.floor(split * text.length());
        if (trainEnd < text.length() && trainEnd > 0 && Character.isLowSurrogate(text.charAt(trainEnd))
                && Character.isHighSurrogate(text.charAt(trainEnd - 1))) {
            trainEnd--;
        }
        if (trainEnd < window) {
            throw new ConfigException(config.origin(), WINDOW, "expected at most the " + trainEnd
                    + " characters of training text in " + pathText + " (after the split), found "
                    + window);
        }
        return new CorpusTask(text, trainEnd, window, evalSize);
    }

    private static String read(PluginConfig config, String pathText) {
        byte[] bytes;
        try {
            bytes = BoundedReads.readBytes(Path.of(pathText), BoundedReads.DATA_LIMIT);
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(config.origin(), PATH, "expected a readable text file,"
                    + " could not read '" + pathText + "': " + e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder threw", e);
        }
    }
}
