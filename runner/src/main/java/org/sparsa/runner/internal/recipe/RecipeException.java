package org.sparsa.runner.internal.recipe;

import java.util.List;

/** A recipe is invalid; carries every problem found, not just the first. */
public final class RecipeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<RecipeError> errors;

    /**
     * @param source the recipe file as the user named it
     * @param errors every problem found, at least one
     */
    public RecipeException(String source, List<RecipeError> errors) {
        super(message(source, errors));
        this.errors = List.copyOf(errors);
    }

    /** Every problem, in file order. */
    public List<RecipeError> errors() {
        return errors;
    }

    private static String message(String source, List<RecipeError> errors) {
        StringBuilder out = new StringBuilder(source).append(": ").append(errors.size())
                .append(errors.size() == 1 ? " error" : " errors");
        for (RecipeError error : errors) {
            out.append("\n  ").append(error);
        }
        return out.toString();
    }
}
