package org.sparsa.runner.internal.recipe;

/**
 * One problem in a recipe.
 *
 * @param key the offending key as a path ({@code stages[1].lr}), or empty for the whole file
 * @param problem what is wrong and what was expected
 * @param where the file and line ({@code recipe.yaml line 14}) or the override that set it
 */
public record RecipeError(String key, String problem, String where) {

    @Override
    public String toString() {
        return (key.isEmpty() ? "" : key + ": ") + problem + " (" + where + ")";
    }
}
