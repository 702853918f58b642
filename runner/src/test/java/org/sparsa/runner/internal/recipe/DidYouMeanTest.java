package org.sparsa.runner.internal.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DidYouMeanTest {
    private static final List<String> KEYS = List.of("dim", "layers", "heads", "kv_heads",
            "head_dim", "eval_every", "checkpoint_every");

    @Test
    void typosFindTheIntendedKey() {
        assertEquals(Optional.of("dim"), DidYouMean.closest("dimm", KEYS));
        assertEquals(Optional.of("layers"), DidYouMean.closest("layres", KEYS));
        assertEquals(Optional.of("kv_heads"), DidYouMean.closest("KV_heads", KEYS));
        assertEquals(Optional.of("eval_every"), DidYouMean.closest("evalevery", KEYS));
    }

    @Test
    void unrelatedWordsGetNoSuggestion() {
        assertEquals(Optional.empty(), DidYouMean.closest("colour", KEYS));
        assertEquals("; expected one of [dim, heads]", DidYouMean.hint("xyz",
                List.of("heads", "dim")));
    }

    @Test
    void transpositionIsOneEdit() {
        assertEquals(1, DidYouMean.distance("stpes", "steps"));
        assertEquals(2, DidYouMean.distance("stpse", "steps"));
    }
}
