package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.internal.JavaBackend;

/** Shape and index errors name the op, the shapes and, for indices, the index and the range. */
class ErrorMessagesTest {
    private final Autograd ops = new Autograd(new JavaBackend());

    private Variable zeros(int... shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        return ops.leaf(ops.tensor(new float[size], shape));
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void shapeErrors() {
        assertMessage("matmul: shapes [2, 3] and [4, 5] do not fit: 3 columns times 4 rows",
                () -> ops.matmul(zeros(2, 3), zeros(4, 5)));
        assertMessage("matmul: shapes [2, 2, 3] and [3, 3, 1] do not broadcast over the leading "
                + "axes", () -> ops.matmul(zeros(2, 2, 3), zeros(3, 3, 1)));
        assertMessage("matmul: shapes [3] and [3, 1] need at least two axes each",
                () -> ops.matmul(zeros(3), zeros(3, 1)));
        assertMessage("add: shapes [2, 3] and [2] do not broadcast",
                () -> ops.add(zeros(2, 3), zeros(2)));
        assertMessage("div: shapes [4] and [3] do not broadcast",
                () -> ops.div(zeros(4), zeros(3)));
        assertMessage("reshape: cannot view [2, 3] (6 values) as [4, -1]",
                () -> ops.reshape(zeros(2, 3), 4, -1));
        assertMessage("reshape: cannot view [2, 3] (6 values) as [5] (5 values)",
                () -> ops.reshape(zeros(2, 3), 5));
        assertMessage("permute: order [0, 0] names axis 0 twice; it must be a permutation of "
                + "the axes of shape [2, 3]", () -> ops.permute(zeros(2, 3), 0, 0));
        assertMessage("permute: order [1] does not have one entry per axis of shape [2, 3]",
                () -> ops.permute(zeros(2, 3), 1));
        assertMessage("transpose: axis 2 is out of range for rank 2",
                () -> ops.transpose(zeros(2, 3), 0, 2));
        assertMessage("slice: range [1, 4) does not fit axis 1 of shape [2, 3]; need "
                + "0 <= start <= end <= 3", () -> ops.slice(zeros(2, 3), 1, 1, 4));
        assertMessage("concat: part 1 of shape [3, 2] does not fit part 0 of shape [2, 2] along "
                + "axis 1", () -> ops.concat(1, zeros(2, 2), zeros(3, 2)));
        assertMessage("sum: axis 3 is out of range for rank 2", () -> ops.sum(zeros(2, 3), false,
                3));
        assertMessage("mean: axis -1 is given twice in [1, -1]",
                () -> ops.mean(zeros(2, 3), false, 1, -1));
        assertMessage("softmax: axis 2 is out of range for rank 2",
                () -> ops.softmax(zeros(2, 3), 2));
        assertMessage("rmsNorm: weight of shape [4] does not fit input of shape [2, 3]; "
                + "expected [3]", () -> ops.rmsNorm(zeros(2, 3), zeros(4), 1e-6));
        assertMessage("layerNorm: bias of shape [3, 1] does not fit input of shape [2, 3]; "
                + "expected [3]", () -> ops.layerNorm(zeros(2, 3), zeros(3), zeros(3, 1), 1e-5));
        assertMessage("gather: index of shape [2, 2] must equal shape [3, 2] except along axis 1",
                () -> ops.gather(zeros(3, 2), 1, IntTensor.of(new int[4], 2, 2)));
        assertMessage("scatterAdd: source of shape [3, 2] differs from index of shape [3, 1]",
                () -> ops.scatterAdd(zeros(3, 2), 1, IntTensor.of(new int[3], 3, 1),
                        zeros(3, 2)));
        assertMessage("maskedFill: mask of shape [3] does not broadcast to input of shape [3, 2]",
                () -> ops.maskedFill(zeros(3, 2), IntTensor.vector(1, 0, 1), 0f));
        assertMessage("embedding: table of shape [4] is not a matrix [n, d]",
                () -> ops.embedding(zeros(4), IntTensor.vector(0)));
        assertMessage("rope: rotary dims 3 must be even and in [2, 4] for shape [1, 2, 4]",
                () -> ops.rope(zeros(1, 2, 4), 1, IntTensor.vector(0, 1), 3, 1e4));
        assertMessage("rope: positions [3] must be a vector of 2 entries, one per step of axis 1 "
                + "of shape [1, 2, 4]",
                () -> ops.rope(zeros(1, 2, 4), 1, IntTensor.vector(0, 1, 2), 4, 1e4));
        assertMessage("rope: the time axis -1 cannot be the last axis of shape [1, 2, 4]",
                () -> ops.rope(zeros(1, 2, 4), -1, IntTensor.vector(0, 1), 4, 1e4));
        assertMessage("crossEntropy: targets of shape [3] do not fit logits of shape [2, 5]; "
                + "expected [2]", () -> ops.crossEntropy(zeros(2, 5), IntTensor.vector(0, 1, 2),
                        -100));
        assertMessage("fp8E4m3: group 3 must be positive and divide the last axis of shape "
                + "[2, 4]", () -> ops.fp8E4m3(zeros(2, 4), 3, false));
    }

    @Test
    void indexErrors() {
        assertMessage("indexSelect: index 3 at position [1, 0] is out of range [0, 3) for axis 1 "
                + "of shape [2, 3]", () -> ops.indexSelect(zeros(2, 3), 1,
                        IntTensor.of(new int[] {0, 2, 3, 1}, 2, 2)));
        assertMessage("indexSelect: index -1 at position [0] is out of range [0, 2) for axis 0 "
                + "of shape [2, 3]", () -> ops.indexSelect(zeros(2, 3), 0, IntTensor.vector(-1)));
        assertMessage("gather: index 2 at position [1, 1] is out of range [0, 2) for axis 1 of "
                + "shape [2, 2]", () -> ops.gather(zeros(2, 2), 1,
                        IntTensor.of(new int[] {0, 1, 1, 2}, 2, 2)));
        assertMessage("scatterAdd: index 5 at position [0, 0] is out of range [0, 3) for axis 0 "
                + "of shape [3, 1]", () -> ops.scatterAdd(zeros(3, 1), 0,
                        IntTensor.of(new int[] {5}, 1, 1), zeros(1, 1)));
        assertMessage("embedding: index 4 at position [0, 1] is out of range [0, 4) for a table "
                + "of 4 rows", () -> ops.embedding(zeros(4, 2), IntTensor.of(new int[] {0, 4},
                        1, 2)));
        assertMessage("crossEntropy: target 5 at position [1] is out of range [0, 5) and is not "
                + "the ignore index -100", () -> ops.crossEntropy(zeros(2, 5),
                        IntTensor.vector(0, 5), -100));
    }
}
