package org.sparsa.api.reward;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One completion to be scored, with what a reward may need beside its text: the prompt, the
 * reference answer, the length in tokens, whether it was judged correct, and the prompt's
 * rubric. Immutable; build with {@link #builder(String)}.
 */
public final class Completion {
    private final String prompt;
    private final String text;
    private final String reference;
    private final int lengthTokens;
    private final Boolean correct;
    private final List<RubricItem> rubric;

    private Completion(Builder b) {
        this.prompt = b.prompt == null ? "" : b.prompt;
        this.text = b.text == null ? "" : b.text;
        this.reference = b.reference;
        this.lengthTokens = b.lengthTokens;
        this.correct = b.correct;
        this.rubric = List.copyOf(b.rubric);
    }

    /** A builder for a completion whose text is {@code text} ({@code null} reads as empty). */
    public static Builder builder(String text) {
        return new Builder().text(text);
    }

    /** A completion of {@code text} with nothing else known. */
    public static Completion of(String text) {
        return builder(text).build();
    }

    /** The prompt the completion answers; empty when unknown. */
    public String prompt() {
        return prompt;
    }

    /** The generated text; never null. */
    public String text() {
        return text;
    }

    /** The task's reference answer, when it has one. */
    public Optional<String> reference() {
        return Optional.ofNullable(reference);
    }

    /** The length in tokens as counted by the run's tokenizer, when known. */
    public OptionalInt lengthTokens() {
        return lengthTokens < 0 ? OptionalInt.empty() : OptionalInt.of(lengthTokens);
    }

    /**
     * The length in tokens when known, else the number of UTF-8 bytes of the text, which is
     * what the byte-level tokenizer would count.
     */
    public int lengthTokensOrBytes() {
        return lengthTokens >= 0 ? lengthTokens : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Whether the completion was already judged correct (by the task or a reward), when known. */
    public Optional<Boolean> correct() {
        return Optional.ofNullable(correct);
    }

    /** The rubric the prompt carries; empty when it has none. */
    public List<RubricItem> rubric() {
        return rubric;
    }

    @Override
    public String toString() {
        String shown = text.length() > 40 ? text.substring(0, 37) + "..." : text;
        return "Completion[" + shown.replace("\n", "\\n") + "]";
    }

    /** Builds a {@link Completion}. */
    public static final class Builder {
        private String prompt;
        private String text;
        private String reference;
        private int lengthTokens = -1;
        private Boolean correct;
        private List<RubricItem> rubric = List.of();

        private Builder() {
        }

        public Builder prompt(String prompt) {
            this.prompt = prompt;
            return this;
        }

        public Builder text(String text) {
            this.text = text;
            return this;
        }

        public Builder reference(String reference) {
            this.reference = reference;
            return this;
        }

        /** @throws IllegalArgumentException when negative */
        public Builder lengthTokens(int lengthTokens) {
            if (lengthTokens < 0) {
                throw new IllegalArgumentException("length in tokens must be >= 0, found "
                        + lengthTokens);
            }
            this.lengthTokens = lengthTokens;
            return this;
        }

        public Builder correct(Boolean correct) {
            this.correct = correct;
            return this;
        }

        public Builder rubric(List<RubricItem> rubric) {
            this.rubric = rubric == null ? List.of() : rubric;
            return this;
        }

        public Completion build() {
            return new Completion(this);
        }
    }
}
