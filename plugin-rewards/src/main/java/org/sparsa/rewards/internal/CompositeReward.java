package org.sparsa.rewards.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;

/**
 * A weighted sum of other rewards, each reported as its own component.
 *
 * <p>{@code components} is a non-empty list of maps, each {@code {reward: id, weight: number
 * (default 1), name: display name (default the id), config: map}}. Every part is built through
 * {@link RewardContext#reward(String, PluginConfig)}, so a composite can hold any registered
 * reward, composites included. Names must be unique and must not contain a dot: the dot joins a
 * part's name to its own components ({@code name.sub}), and banning it in names keeps those
 * flattened keys from ever colliding. Weights may be negative (penalties) but must be finite.
 * An unknown reward id is reported as a configuration error on that part's {@code reward} key.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "composite",
        description = "Weighted sum of other rewards; every part is reported unweighted under its"
                + " name, and a part's own components as name.sub",
        config = {"components:list - the parts, each a map {reward: id, weight: number (default 1),"
                + " name: unique display name without dots (default the id), config: map}"})
public final class CompositeReward implements RewardModel {
    static final String COMPONENTS = "components";
    static final String REWARD = "reward";
    static final String WEIGHT = "weight";
    static final String NAME = "name";
    static final String CONFIG = "config";

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of(COMPONENTS));
        List<PluginConfig> specs = config.sections(COMPONENTS);
        if (specs.isEmpty()) {
            throw new ConfigException(config.origin(), COMPONENTS,
                    "expected a non-empty list of {reward, weight, name, config} maps");
        }
        List<CompositePart> parts = new ArrayList<>(specs.size());
        Set<String> names = new HashSet<>();
        for (PluginConfig spec : specs) {
            CompositePart part = part(spec, context);
            if (!names.add(part.name())) {
                throw new ConfigException(spec.origin(), NAME, "duplicate component name '"
                        + part.name() + "'; give each part a unique name");
            }
            parts.add(part);
        }
        return new CompositeRewardFunction(parts);
    }

    private static CompositePart part(PluginConfig spec, RewardContext context) {
        spec.requireOnly(List.of(REWARD, WEIGHT, NAME, CONFIG));
        String id = spec.string(REWARD, "").trim();
        if (id.isEmpty()) {
            throw new ConfigException(spec.origin(), REWARD, "missing; expected a reward id");
        }
        double weight = spec.number(WEIGHT, 1.0);
        if (!Double.isFinite(weight)) {
            throw new ConfigException(spec.origin(), WEIGHT, "expected a finite number, found "
                    + weight);
        }
        String name = spec.string(NAME, id).trim();
        if (name.isEmpty() || name.contains(".")) {
            throw new ConfigException(spec.origin(), NAME,
                    "expected a non-empty name without dots, found '" + name + "'");
        }
        return new CompositePart(name, weight, build(spec, id, context));
    }

    private static RewardFunction build(PluginConfig spec, String id, RewardContext context) {
        PluginConfig partConfig = spec.section(CONFIG);
        try {
            return context.reward(id, partConfig);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // The context names the id and the known ones; say which key of which part was wrong.
            throw new ConfigException(spec.origin(), REWARD, e.getMessage());
        }
    }
}
