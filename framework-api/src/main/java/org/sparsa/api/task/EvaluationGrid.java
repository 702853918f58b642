package org.sparsa.api.task;

import java.util.List;

/**
 * The layout of an evaluation set that is a grid of context lengths by needle depths, as a
 * needle-in-a-haystack task evaluates: {@code lengths} outermost, then {@code depths}, then
 * {@code repeats} examples per cell, so that example {@code i} of the set belongs to the cell
 * of {@link #lengthAt(int)} and {@link #depthAt(int)}, and scores fold into a depth-by-length
 * heat map.
 *
 * @param lengths the context lengths, in the task's unit (characters for the built-in tasks),
 *     in evaluation order; not empty
 * @param depths where the needle sits, 0 (start) to 1 (end), in evaluation order; not empty
 * @param repeats examples per cell, at least 1
 */
public record EvaluationGrid(List<Integer> lengths, List<Double> depths, int repeats) {
    public EvaluationGrid {
        lengths = List.copyOf(lengths);
        depths = List.copyOf(depths);
        if (lengths.isEmpty() || depths.isEmpty() || repeats < 1) {
            throw new IllegalArgumentException("evaluation grid: expected at least one length,"
                    + " one depth and one repeat, found " + lengths.size() + " lengths, "
                    + depths.size() + " depths and " + repeats + " repeats");
        }
    }

    /** The number of examples the grid lays out. */
    public int size() {
        return lengths.size() * depths.size() * repeats;
    }

    /** The context length of the cell of evaluation example {@code index}. */
    public int lengthAt(int index) {
        return lengths.get(check(index) / (depths.size() * repeats));
    }

    /** The needle depth of the cell of evaluation example {@code index}. */
    public double depthAt(int index) {
        return depths.get(check(index) / repeats % depths.size());
    }

    private int check(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("evaluation grid: example " + index
                    + " is outside the grid's " + size() + " examples");
        }
        return index;
    }
}
