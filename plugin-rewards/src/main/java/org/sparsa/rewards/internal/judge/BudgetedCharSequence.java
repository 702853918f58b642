package org.sparsa.rewards.internal.judge;

/**
 * A view of a text that allows a fixed number of character reads and then throws
 * {@link BudgetExhausted}. The regex engine reads its input only through {@link #charAt}, so
 * wrapping the input bounds the work of any match, however badly the pattern backtracks.
 * Sub-sequences share the budget. Not thread-safe: make one per match.
 */
final class BudgetedCharSequence implements CharSequence {
    private final CharSequence text;
    private final int start;
    private final int end;
    private final long[] remaining;

    /** A view of all of {@code text} allowing {@code budget} reads. */
    BudgetedCharSequence(CharSequence text, long budget) {
        this(text, 0, text.length(), new long[] {budget});
    }

    private BudgetedCharSequence(CharSequence text, int start, int end, long[] remaining) {
        this.text = text;
        this.start = start;
        this.end = end;
        this.remaining = remaining;
    }

    @Override
    public int length() {
        return end - start;
    }

    @Override
    public char charAt(int index) {
        if (--remaining[0] < 0) {
            throw new BudgetExhausted();
        }
        if (index < 0 || index >= end - start) {
            throw new IndexOutOfBoundsException("index " + index + ", length " + (end - start));
        }
        return text.charAt(start + index);
    }

    @Override
    public CharSequence subSequence(int from, int to) {
        if (from < 0 || to > end - start || from > to) {
            throw new IndexOutOfBoundsException("sub-sequence [" + from + ", " + to + ") of length "
                    + (end - start));
        }
        return new BudgetedCharSequence(text, start + from, start + to, remaining);
    }

    @Override
    public String toString() {
        return text.subSequence(start, end).toString();
    }

    /** Thrown when the reads are used up; carries no stack trace, since it is expected. */
    static final class BudgetExhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExhausted() {
            super("character read budget exhausted", null, false, false);
        }
    }
}
