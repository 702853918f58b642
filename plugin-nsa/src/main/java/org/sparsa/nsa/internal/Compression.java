package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a block of keys or values becomes one compressed token (NSA step 1), chosen by the
 * layer's {@code compress} key. Each adds the learned intra-block position embedding first.
 */
enum Compression {
    /** The spec's form: the block, flattened, times {@code W [l*D, D]}. */
    LINEAR,
    /** The paper's MLP: {@code silu(flat @ W1 [l*D, H]) @ W2 [H, D]}. */
    MLP,
    /** The average of the block's positions: no weights. */
    MEAN;

    /** The name a recipe uses. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The ids recipes may give, in declaration order. */
    static List<String> ids() {
        return Arrays.stream(values()).map(Compression::id).toList();
    }
}
