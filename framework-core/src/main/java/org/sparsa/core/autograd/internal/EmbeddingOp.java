package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * Rows of an embedding table for token ids: an index-select along the table's first axis, so a
 * row's gradient sums over every occurrence of its id.
 */
public final class EmbeddingOp {
    private static final String OP = "embedding";

    private EmbeddingOp() {
    }

    /** {@code table [n, d]} rows for {@code ids} of shape {@code s}: {@code [s..., d]}. */
    public static Variable apply(Engine engine, Variable tablev, IntTensor ids) {
        TensorVariable table = engine.unwrap(tablev, OP, "table");
        int[] shape = table.shapeView();
        if (shape.length != 2) {
            throw new IllegalArgumentException(OP + ": table of shape " + Arrays.toString(shape)
                    + " is not a matrix [n, d]");
        }
        int[] index = Indices.checked(OP, ids, shape[0], "a table of " + shape[0] + " rows");
        return IndexSelectOp.select(engine, OP, table, 0, index, ids.shape());
    }
}
