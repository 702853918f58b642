package org.sparsa.rewards.internal;

import java.lang.Character.UnicodeScript;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.rewards.internal.text.ReasoningText;
import org.sparsa.rewards.internal.text.ScriptWords;

/**
 * R1's language-consistency reward (Eq. 7): over the reasoning ({@link ReasoningText}: inside
 * {@code <think>...</think>}, or the whole text without tags), the fraction of words written in
 * the target script ({@link ScriptWords}: maximal one-script letter runs, each Han, Hiragana or
 * Katakana letter a word of its own). Targets: {@code en} is Latin, {@code zh} is Han, named
 * case-insensitively. No words at all scores 0.0.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "language_consistency",
        description = "Fraction of the reasoning's words written in the target language's script",
        config = {"target:string=en - language the reasoning should use: en (Latin script)"
                + " or zh (Han script)"})
public final class LanguageConsistencyReward implements RewardModel {
    static final String TARGET = "target";

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of(TARGET));
        UnicodeScript target = targetScript(config);
        return completion -> RewardResult.of(
                ScriptWords.count(ReasoningText.of(completion.text()), target).fraction());
    }

    private static UnicodeScript targetScript(PluginConfig config) {
        String target = config.string(TARGET, "en");
        switch (target.trim().toLowerCase(Locale.ROOT)) {
            case "en":
                return UnicodeScript.LATIN;
            case "zh":
                return UnicodeScript.HAN;
            default:
                throw new ConfigException(config.origin(), TARGET,
                        "expected en or zh, found '" + target + "'");
        }
    }
}
