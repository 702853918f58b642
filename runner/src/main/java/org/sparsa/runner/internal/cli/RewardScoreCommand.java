package org.sparsa.runner.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.runner.internal.plugins.PluginServices;
import org.sparsa.runner.internal.plugins.ServiceRewardContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.sparsa.core.io.BoundedReads;

/** {@code sparsa reward score}: scores completions with one configured reward model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score one completion, or a group of completions of one prompt, with a "
                + "reward model and print the value and its components.")
public final class RewardScoreCommand implements Callable<Integer> {
    private final BundleContext context;

    @Option(names = "--reward", required = true, paramLabel = "ID",
            description = "The reward id, as listed by 'sparsa plugins --kind reward'.")
    String reward;

    @Option(names = "--config", paramLabel = "KEY=VALUE|@FILE",
            description = "A configuration key (value read as YAML, dotted keys nest) or a YAML "
                    + "file of them; repeatable.")
    List<String> config = new ArrayList<>();

    @Option(names = "--completion", required = true, paramLabel = "TEXT|@FILE",
            description = "The completion text, or @file to read it (UTF-8). Repeat to score a "
                    + "group of completions of one prompt.")
    List<String> completions = new ArrayList<>();

    @Option(names = "--reference", paramLabel = "TEXT", description = "The reference answer.")
    String reference;

    @Option(names = "--prompt", paramLabel = "TEXT|@FILE", description = "The prompt.")
    String prompt;

    @Option(names = "--length-tokens", paramLabel = "N",
            description = "Length of each completion in tokens (one per --completion); by "
                    + "default its UTF-8 byte count, as the byte-level tokenizer counts.")
    List<Integer> lengthTokens = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON line per completion: "
            + "{\"value\": …, \"components\": {…}}.")
    boolean json;

    @Spec
    CommandSpec spec;

    public RewardScoreCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws IOException {
        if (!lengthTokens.isEmpty() && lengthTokens.size() != completions.size()) {
            throw new IllegalArgumentException("--length-tokens: given " + lengthTokens.size()
                    + " times for " + completions.size() + " completions; give it once per "
                    + "--completion or not at all");
        }
        List<Completion> group = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            Completion.Builder builder = Completion.builder(textOrFile("--completion",
                    completions.get(i)))
                    .reference(reference)
                    .prompt(prompt == null ? null : textOrFile("--prompt", prompt));
            if (!lengthTokens.isEmpty()) {
                builder.lengthTokens(lengthTokens.get(i));
            }
            group.add(builder.build());
        }
        PluginConfig pluginConfig = ConfigArguments.parse(config);
        List<RewardResult> results;
        try (PluginServices services = new PluginServices(context)) {
            RewardFunction function = new ServiceRewardContext(services).reward(reward,
                    pluginConfig);
            results = group.size() == 1 && !function.groupLevel()
                    ? List.of(function.score(group.get(0)))
                    : function.scoreGroup(group);
        }
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper();
        for (RewardResult result : results) {
            if (json) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("value", result.value());
                line.put("components", result.components());
                out.println(mapper.writeValueAsString(line));
            } else {
                out.println("value: " + result.value());
                result.components().forEach((name, value) ->
                        out.println("  " + name + ": " + value));
            }
        }
        return 0;
    }

    private static String textOrFile(String option, String argument) throws IOException {
        if (!argument.startsWith("@")) {
            return argument;
        }
        Path file = Path.of(argument.substring(1));
        try {
            return BoundedReads.readString(file, BoundedReads.DATA_LIMIT);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + " " + argument + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(option + " " + argument + ": not UTF-8 text");
        }
    }
}
