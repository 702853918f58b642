package org.sparsa.core.checkpoint;

import java.util.List;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;

/**
 * A two-layer MLP language model small enough to train in a test: embedding, ReLU layer,
 * output projection, cross-entropy against a fixed next-token rule, under Llama-style names.
 */
final class ToyModel {
    static final int VOCAB = 11;
    static final int DIM = 6;
    static final int HIDDEN = 10;
    static final int BATCH = 5;
    static final String CONFIG = "{\"model_type\":\"toy\",\"vocab_size\":11,\"hidden_size\":6}";

    final Autograd ops = new Autograd(new JavaBackend());
    final ParameterStore store;

    ToyModel(long seed) {
        store = new ParameterStore(ops, seed);
        store.create("model.", List.of(
                new ParameterSpec("embed_tokens.weight", List.of(VOCAB, DIM), "normal", 0.5),
                new ParameterSpec("layers.0.mlp.up_proj.weight", List.of(DIM, HIDDEN), "normal",
                        0.4),
                new ParameterSpec("norm.weight", List.of(HIDDEN), "ones", 0)));
        store.create("", List.of(
                new ParameterSpec("lm_head.weight", List.of(HIDDEN, VOCAB), "normal", 0.3)));
    }

    /** The loss of one micro-batch drawn from {@code data}. */
    Variable loss(SplitMix64 data) {
        int[] ids = new int[BATCH];
        int[] targets = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            ids[i] = data.nextInt(VOCAB);
            targets[i] = (ids[i] * 3 + 1) % VOCAB;
        }
        Variable x = ops.embedding(store.get("model.embed_tokens.weight"),
                IntTensor.vector(ids));
        Variable h = ops.relu(ops.matmul(x, store.get("model.layers.0.mlp.up_proj.weight")));
        h = ops.mul(h, store.get("model.norm.weight"));
        Variable logits = ops.matmul(h, store.get("lm_head.weight"));
        return ops.crossEntropy(logits, IntTensor.vector(targets), -100);
    }
}
