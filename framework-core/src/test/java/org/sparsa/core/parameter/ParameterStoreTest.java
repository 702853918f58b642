package org.sparsa.core.parameter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;

class ParameterStoreTest {
    private static final String LAYER = "model.layers.0.self_attn.";
    private final Autograd ops = new Autograd(new JavaBackend());

    private static ParameterSpec normal(String name, int... shape) {
        return new ParameterSpec(name, Arrays.stream(shape).boxed().toList(), "normal", 0.02);
    }

    private static ParameterSpec ones(String name, int... shape) {
        return new ParameterSpec(name, Arrays.stream(shape).boxed().toList(), "ones", 0);
    }

    private static ParameterSpec zeros(String name, int... shape) {
        return new ParameterSpec(name, Arrays.stream(shape).boxed().toList(), "zeros", 0);
    }

    @Test
    void createsNamedParametersUnderAPrefixInCreationOrder() {
        ParameterStore store = new ParameterStore(ops, 1);
        Parameters layer = store.create(LAYER, List.of(normal("indexer.wq.weight", 4, 2),
                ones("norm.weight", 2), zeros("gate.bias", 3)));
        store.create("model.", List.of(normal("embed.weight", 5, 2)));
        assertEquals(List.of(LAYER + "indexer.wq.weight", LAYER + "norm.weight",
                LAYER + "gate.bias", "model.embed.weight"), new ArrayList<>(store.names()));
        assertEquals(Set.of("indexer.wq.weight", "norm.weight", "gate.bias"), layer.names());
        Variable wq = layer.get("indexer.wq.weight");
        assertSame(wq, store.get(LAYER + "indexer.wq.weight"));
        assertEquals(LAYER + "indexer.wq.weight", wq.name().orElseThrow());
        assertTrue(wq.requiresGrad());
        assertSame(ops, wq.ops());
        assertArrayEquals(new int[] {4, 2}, wq.shape());
        assertArrayEquals(new float[] {1, 1}, layer.get("norm.weight").value().toArray());
        assertArrayEquals(new float[3], layer.get("gate.bias").value().toArray());
        List<String> iterated = new ArrayList<>();
        store.forEach(v -> iterated.add(v.name().orElseThrow()));
        assertEquals(new ArrayList<>(store.names()), iterated);
        assertEquals(4, store.size());
        assertEquals(8 + 2 + 3 + 10, store.valueCount());
    }

    @Test
    void errorsNameTheParameter() {
        ParameterStore store = new ParameterStore(ops, 1);
        Parameters layer = store.create(LAYER, List.of(ones("norm.weight", 2)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> layer.get("norm.bias"));
        assertEquals("no parameter '" + LAYER + "norm.bias' ('norm.bias' under '" + LAYER
                + "')", missing.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> store.create(LAYER, ones("norm.weight", 2)));
        assertEquals("parameter '" + LAYER + "norm.weight' exists already", twice.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> store.create(LAYER, ones("empty", 2, 0)));
        assertEquals("parameter '" + LAYER + "empty': shape [2, 0] has a dimension below 1",
                empty.getMessage());
    }

    @Test
    void initialValuesDependOnlyOnTheSeedAndTheName() {
        ParameterStore a = new ParameterStore(ops, 7);
        a.create(LAYER, List.of(normal("wq", 8, 4), normal("wk", 8, 4)));
        // Another store with an extra parameter created first and the order swapped.
        ParameterStore b = new ParameterStore(ops, 7);
        b.create("model.", normal("embed", 3, 3));
        b.create(LAYER, List.of(normal("wk", 8, 4), normal("wq", 8, 4)));
        for (String name : List.of(LAYER + "wq", LAYER + "wk")) {
            assertArrayEquals(a.get(name).value().toArray(), b.get(name).value().toArray(),
                    name);
        }
        assertFalse(Arrays.equals(a.get(LAYER + "wq").value().toArray(),
                a.get(LAYER + "wk").value().toArray()), "each name has its own stream");
        ParameterStore c = new ParameterStore(ops, 8);
        c.create(LAYER, normal("wq", 8, 4));
        assertFalse(Arrays.equals(a.get(LAYER + "wq").value().toArray(),
                c.get(LAYER + "wq").value().toArray()), "the seed matters");
        assertNotEquals(ParameterStore.streamSeed(7, "a.b"), ParameterStore.streamSeed(7, "a.c"));
    }

    @Test
    void normalValuesHaveTheRequestedSpread() {
        ParameterStore store = new ParameterStore(ops, 3);
        store.create("", new ParameterSpec("w", List.of(100, 101), "normal", 0.5));
        float[] values = store.get("w").value().toArray();
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        double std = Math.sqrt(squares / values.length - mean * mean);
        assertEquals(0, mean, 0.02);
        assertEquals(0.5, std, 0.02);
    }

    @Test
    void frozenParametersGetNoGradientWhileOthersDo() {
        ParameterStore store = new ParameterStore(ops, 1);
        Parameters layer = store.create(LAYER, List.of(normal("indexer.wq.weight", 3, 2),
                normal("indexer.wk.weight", 3, 2), normal("o_proj.weight", 2, 2)));
        assertEquals(List.of(LAYER + "indexer.wq.weight", LAYER + "indexer.wk.weight"),
                store.freeze("*.indexer.*"));
        assertTrue(store.isFrozen(LAYER + "indexer.wk.weight"));
        assertFalse(store.isFrozen(LAYER + "o_proj.weight"));

        Variable x = ops.constant(new float[] {1, 2, 3}, 1, 3);
        Variable q = ops.matmul(x, layer.get("indexer.wq.weight"));
        Variable k = ops.matmul(x, layer.get("indexer.wk.weight"));
        Variable loss = ops.sum(ops.matmul(ops.add(q, k), layer.get("o_proj.weight")), false);
        loss.backward();
        assertTrue(layer.get("indexer.wq.weight").grad().isEmpty());
        assertTrue(layer.get("indexer.wk.weight").grad().isEmpty());
        assertTrue(layer.get("o_proj.weight").grad().isPresent());

        store.unfreeze("model.layers.?.self_attn.indexer.wq.weight");
        assertTrue(layer.get("indexer.wq.weight").requiresGrad());
        assertFalse(layer.get("indexer.wk.weight").requiresGrad());
        ops.sum(ops.matmul(x, layer.get("indexer.wq.weight")), false).backward();
        assertTrue(layer.get("indexer.wq.weight").grad().isPresent());

        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> store.freeze("*.indexr.*"));
        assertEquals("freeze: pattern '*.indexr.*' matches no parameter", typo.getMessage());
    }

    @Test
    void freezingDropsTheGradientAndZeroGradClearsAll() {
        ParameterStore store = new ParameterStore(ops, 1);
        store.create("", List.of(ones("a", 2), ones("b", 2)));
        ops.sum(ops.mul(store.get("a"), store.get("b")), false).backward();
        assertTrue(store.get("a").grad().isPresent() && store.get("b").grad().isPresent());
        store.freeze("a");
        assertTrue(store.get("a").grad().isEmpty());
        store.zeroGrad();
        assertTrue(store.get("b").grad().isEmpty());
    }

    @Test
    void globsMatchWholeNames() {
        assertTrue(ParameterStore.glob("model.*.weight").matcher("model.layers.0.w.weight")
                .matches());
        assertFalse(ParameterStore.glob("model.*.weight").matcher("model.layers.0.w.weights")
                .matches());
        assertFalse(ParameterStore.glob("layers.?").matcher("layers.10").matches());
        assertTrue(ParameterStore.glob("a+b(c)").matcher("a+b(c)").matches());
    }

    @Test
    void replaceChecksTheShapeAndKeepsTheVariable() {
        ParameterStore store = new ParameterStore(ops, 1);
        Parameters layer = store.create(LAYER, List.of(zeros("w", 2, 2)));
        Variable w = layer.get("w");
        store.replace(LAYER + "w", ops.tensor(new float[] {1, 2, 3, 4}, 2, 2));
        assertSame(w, layer.get("w"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, w.value().toArray());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> store.replace(LAYER + "w", ops.tensor(new float[4], 4)));
        assertEquals("parameter '" + LAYER + "w': cannot replace a value of shape [2, 2] by one "
                + "of shape [4]", wrong.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> store.replace("nope", ops.tensor(new float[4], 4)));
        assertEquals("no parameter 'nope'", unknown.getMessage());
    }

    @Test
    void setGradReplacesTheGradientOfAnUnfrozenParameter() {
        ParameterStore store = new ParameterStore(ops, 1);
        store.create("", List.of(zeros("w", 2), zeros("f", 1)));
        store.setGrad("w", ops.tensor(new float[] {0.5f, -1}, 2));
        assertArrayEquals(new float[] {0.5f, -1},
                store.get("w").grad().orElseThrow().toArray());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> store.setGrad("w", ops.tensor(new float[3], 3)));
        assertEquals("parameter 'w': gradient has shape [3], expected [2]", wrong.getMessage());
        store.freeze("f");
        IllegalStateException frozen = assertThrows(IllegalStateException.class,
                () -> store.setGrad("f", ops.tensor(new float[1], 1)));
        assertTrue(frozen.getMessage().startsWith("parameter 'f'"), frozen.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> store.setGrad("nope", ops.tensor(new float[1], 1)));
        store.zeroGrad();
        assertFalse(store.get("w").grad().isPresent());
    }

    @Test
    void aGraphRecordedBeforeAReplaceKeepsTheOldValue() {
        ParameterStore store = new ParameterStore(ops, 1);
        store.create("", ones("w", 2));
        Variable x = ops.leaf(ops.tensor(new float[] {3, 4}, 2));
        Variable loss = ops.sum(ops.mul(x, store.get("w")), false);
        store.replace("w", ops.tensor(new float[] {5, 6}, 2));
        loss.backward();
        assertArrayEquals(new float[] {1, 1}, x.grad().orElseThrow().toArray());
    }
}
