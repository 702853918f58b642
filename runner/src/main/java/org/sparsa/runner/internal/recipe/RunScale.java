package org.sparsa.runner.internal.recipe;

import java.util.List;
import java.util.Map;

/**
 * {@code sparsa run --scale F}: makes a run longer (or shorter) by multiplying each training
 * stage's lengths, {@code steps}, {@code schedule.warmup}, {@code eval_every} and
 * {@code checkpoint_every}, by F, rounded to the nearest integer and at least 1 where the
 * recipe's value is positive (a 0, "only at the end", stays 0). Applied to the recipe after the
 * command line's overrides and before validation, so the scaled recipe is checked, resolved
 * and recorded like any other. {@code eval} stages keep their length: their steps are batches
 * scored, not training. Keys of a stage kind's own are left alone.
 */
final class RunScale {
    /** The lengths scaled, dotted from the stage. */
    private static final List<String> KEYS = List.of("steps", "schedule.warmup", "eval_every",
            "checkpoint_every");

    private RunScale() {
    }

    /** Scales every training stage of {@code yaml} by {@code factor}; 1 changes nothing. */
    @SuppressWarnings("unchecked")
    static void apply(LocatedYaml yaml, double factor, List<RecipeError> errors) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            errors.add(new RecipeError("", "--scale: expected a positive number, found "
                    + factor, "--scale"));
            return;
        }
        if (factor == 1 || !(yaml.root().get("stages") instanceof List<?> stages)) {
            return;
        }
        for (int i = 0; i < stages.size(); i++) {
            if (!(stages.get(i) instanceof Map<?, ?> raw) || "eval".equals(raw.get("kind"))) {
                continue;
            }
            Map<String, Object> stage = (Map<String, Object>) raw;
            for (String key : KEYS) {
                Map<String, Object> owner = stage;
                String[] parts = key.split("\\.");
                for (int p = 0; p < parts.length - 1 && owner != null; p++) {
                    owner = owner.get(parts[p]) instanceof Map<?, ?> inner
                            ? (Map<String, Object>) inner : null;
                }
                String last = parts[parts.length - 1];
                if (owner != null && owner.get(last) instanceof Number n
                        && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() > 0) {
                    owner.put(last, Math.max(1L, Math.round(n.longValue() * factor)));
                    String path = LocatedYaml.child(LocatedYaml.item("stages", i), key);
                    yaml.setOrigin(path, yaml.where(path) + ", " + n.longValue()
                            + " times --scale " + factor);
                }
            }
        }
    }
}
