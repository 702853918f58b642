package org.sparsa.testkit;

import static org.sparsa.testkit.OpGradientCheck.random;

import org.sparsa.api.autograd.Ops;
import org.sparsa.api.tensor.IntTensor;

/** Finite-difference checks of indexSelect, gather, scatterAdd, maskedFill and embedding. */
class IndexingGradientTest {

    @EachBackend
    void indexSelectWithRepeatedIndices(Ops ops) {
        IntTensor indices = IntTensor.of(new int[] {0, 2, 2, 1}, 2, 2);
        OpGradientCheck.of(ops, in -> ops.indexSelect(in.get(0), 1, indices))
                .check(random(ops, 1, 2, 3, 2));
        OpGradientCheck.of(ops, in -> ops.indexSelect(in.get(0), 0, IntTensor.vector(1, 1)))
                .check(random(ops, 2, 3, 2));
    }

    @EachBackend
    void gather(Ops ops) {
        // x [2, 3, 2], index [2, 4, 2] along axis 1 with repeats.
        IntTensor index = IntTensor.of(new int[] {
            0, 2, 1, 1, 2, 0, 2, 2,
            1, 0, 0, 0, 2, 1, 1, 2}, 2, 4, 2);
        OpGradientCheck.of(ops, in -> ops.gather(in.get(0), 1, index))
                .check(random(ops, 1, 2, 3, 2));
        IntTensor last = IntTensor.of(new int[] {2, 0, 1, 1}, 2, 2);
        OpGradientCheck.of(ops, in -> ops.gather(in.get(0), -1, last))
                .check(random(ops, 2, 2, 3));
    }

    @EachBackend
    void scatterAddGradientsForBaseAndSource(Ops ops) {
        // base [2, 3], source and index [2, 4] along axis 1, repeated indices adding up.
        IntTensor index = IntTensor.of(new int[] {0, 2, 2, 1, 1, 1, 0, 2}, 2, 4);
        OpGradientCheck.of(ops, in -> ops.scatterAdd(in.get(0), 1, index, in.get(1)))
                .check(random(ops, 1, 2, 3), random(ops, 2, 2, 4));
        IntTensor rows = IntTensor.of(new int[] {1, 0, 1}, 3, 1);
        OpGradientCheck.of(ops, in -> ops.scatterAdd(in.get(0), 0, rows, in.get(1)))
                .check(random(ops, 3, 2, 1), random(ops, 4, 3, 1));
        // Only the source needs a gradient.
        OpGradientCheck.of(ops, in -> ops.scatterAdd(in.get(0), 1, index, in.get(1)))
                .constant(0).check(random(ops, 5, 2, 3), random(ops, 6, 2, 4));
    }

    @EachBackend
    void maskedFillWithABroadcastMask(Ops ops) {
        IntTensor mask = IntTensor.of(new int[] {1, 0, 0, 1}, 4);
        OpGradientCheck.of(ops, in -> ops.maskedFill(in.get(0), mask, -1e9f))
                .check(random(ops, 1, 2, 3, 4));
        IntTensor causal = IntTensor.of(new int[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, 1, 3, 3);
        OpGradientCheck.of(ops, in -> ops.maskedFill(in.get(0), causal, 0f))
                .check(random(ops, 2, 2, 3, 3));
    }

    @EachBackend
    void embeddingWithRepeatedIds(Ops ops) {
        IntTensor ids = IntTensor.of(new int[] {3, 1, 3, 0, 3, 1}, 2, 3);
        OpGradientCheck.of(ops, in -> ops.embedding(in.get(0), ids))
                .check(random(ops, 1, 5, 3));
    }
}
