package org.sparsa.rewards.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;

/**
 * DAPO's soft overlong punishment (Eq. 13). With {@code L} the completion's length in tokens (its
 * UTF-8 bytes when the token count is unknown, as the byte-level tokenizer would count): 0 while
 * {@code L <= max_len - cache}; then a linear ramp {@code ((max_len - cache) - L) / cache} that
 * reaches -1 at {@code L = max_len}; -1 beyond. It only ever penalises.
 *
 * <p>Defaults: {@code max_len} 4096 and {@code cache} 1024 (a quarter of it; DAPO used 20480 and
 * 4096). Recipes should set both to match their generation limit.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "overlong",
        description = "DAPO soft overlong punishment: 0 up to max_len - cache tokens, a linear"
                + " ramp down to -1 at max_len, -1 beyond",
        config = {"max_len:int=4096 - longest completion in tokens before the full penalty of -1",
                "cache:int=1024 - length of the ramp before max_len over which the penalty grows"
                        + " from 0 to -1; 0 < cache <= max_len"})
public final class OverlongReward implements RewardModel {
    static final String MAX_LEN = "max_len";
    static final String CACHE = "cache";

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of(MAX_LEN, CACHE));
        long maxLen = config.integer(MAX_LEN, 4096);
        long cache = config.integer(CACHE, 1024);
        if (maxLen <= 0) {
            throw new ConfigException(config.origin(), MAX_LEN, "expected a length > 0, found " + maxLen);
        }
        if (cache <= 0 || cache > maxLen) {
            throw new ConfigException(config.origin(), CACHE,
                    "expected 0 < cache <= max_len (" + maxLen + "), found " + cache);
        }
        long penaltyFree = maxLen - cache;
        return completion -> {
            long length = completion.lengthTokensOrBytes();
            if (length <= penaltyFree) {
                return RewardResult.of(0.0);
            }
            if (length <= maxLen) {
                return RewardResult.of((double) (penaltyFree - length) / cache);
            }
            return RewardResult.of(-1.0);
        };
    }
}
