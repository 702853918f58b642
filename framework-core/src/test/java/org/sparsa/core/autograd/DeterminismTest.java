package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;

/** The same computation twice gives bit-identical losses and gradients. */
class DeterminismTest {

    /** One training step of a tiny model: the loss, then every gradient in store order. */
    private static List<float[]> step() {
        Autograd ops = new Autograd(new JavaBackend());
        ParameterStore store = new ParameterStore(ops, 42);
        Parameters p = store.create("model.", List.of(
                new ParameterSpec("embed.weight", List.of(11, 8), "normal", 0.5),
                new ParameterSpec("norm.weight", List.of(8), "ones", 0),
                new ParameterSpec("up.weight", List.of(8, 16), "normal", 0.3),
                new ParameterSpec("down.weight", List.of(16, 8), "normal", 0.3),
                new ParameterSpec("attn.q", List.of(8, 8), "normal", 0.3),
                new ParameterSpec("head.weight", List.of(8, 11), "normal", 0.3)));
        IntTensor ids = IntTensor.of(new int[] {1, 5, 3, 3, 7, 2, 9, 0, 10, 4, 4, 6}, 2, 6);
        IntTensor targets = IntTensor.of(new int[] {5, 3, 3, 7, 2, -100, 0, 10, 4, 4, 6, 1}, 2,
                6);
        Variable h = ops.embedding(p.get("embed.weight"), ids);
        Variable x = ops.rmsNorm(h, p.get("norm.weight"), 1e-6);
        // A self-attention-like mix: softmax(x q x^T) x.
        Variable scores = ops.matmul(ops.matmul(x, p.get("attn.q")), ops.transpose(x, 1, 2));
        Variable mixed = ops.matmul(ops.softmax(ops.scale(scores, 1 / Math.sqrt(8)), -1), x);
        Variable mlp = ops.matmul(ops.silu(ops.matmul(mixed, p.get("up.weight"))),
                p.get("down.weight"));
        Variable logits = ops.matmul(ops.add(h, mlp), p.get("head.weight"));
        Variable loss = ops.crossEntropy(logits, targets, -100);
        loss.backward();
        List<float[]> out = new ArrayList<>();
        out.add(loss.value().toArray());
        for (Variable parameter : store) {
            out.add(parameter.grad().orElseThrow().toArray());
        }
        return out;
    }

    @Test
    void twoRunsAreBitIdentical() {
        List<float[]> first = step();
        List<float[]> second = step();
        assertEquals(first.size(), second.size());
        assertTrue(Float.isFinite(first.get(0)[0]) && first.get(0)[0] > 0);
        for (int i = 0; i < first.size(); i++) {
            float[] a = first.get(i);
            float[] b = second.get(i);
            assertEquals(a.length, b.length);
            for (int j = 0; j < a.length; j++) {
                assertEquals(Float.floatToRawIntBits(a[j]), Float.floatToRawIntBits(b[j]),
                        "tensor " + i + " value " + j);
            }
        }
    }

    @Test
    void anOpsInstanceIsReusableAcrossSteps() {
        Ops ops = new Autograd(new JavaBackend());
        Variable w = ops.leaf(ops.tensor(new float[] {0.5f, -1, 2}, 3));
        float[] first = null;
        for (int i = 0; i < 3; i++) {
            w.zeroGrad();
            ops.sum(ops.exp(ops.mul(w, w)), false).backward();
            float[] grad = w.grad().orElseThrow().toArray();
            if (first == null) {
                first = grad;
            }
            assertArrayEquals(first, grad);
        }
    }
}
