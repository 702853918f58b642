package org.sparsa.testkit.conformance;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * The values of one attention input on the host: hidden states {@code [B, T, hidden]}, q
 * {@code [B, T, heads, headDim]} and k, v {@code [B, T, kvHeads, headDim]}, uniform in
 * {@code [-1, 1)} from a seed, so the same input can be built on any backend.
 */
record AttentionValues(AttentionShape shape, int batch, int time, float[] hidden, float[] q,
        float[] k, float[] v) {

    /** Random values from {@code seed}. */
    static AttentionValues random(AttentionShape shape, int batch, int time, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new AttentionValues(shape, batch, time,
                uniform(random, batch * time * shape.hidden()),
                uniform(random, batch * time * shape.heads() * shape.headDim()),
                uniform(random, batch * time * shape.kvHeads() * shape.headDim()),
                uniform(random, batch * time * shape.kvHeads() * shape.headDim()));
    }

    private static float[] uniform(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return values;
    }

    int[] hiddenShape() {
        return new int[] {batch, time, shape.hidden()};
    }

    int[] queryShape() {
        return new int[] {batch, time, shape.heads(), shape.headDim()};
    }

    int[] keyShape() {
        return new int[] {batch, time, shape.kvHeads(), shape.headDim()};
    }

    /** The input on {@code ops}: leaves (gradients wanted) or constants, positions from 0. */
    AttentionInput on(Ops ops, boolean leaves) {
        return input(variable(ops, hidden, hiddenShape(), leaves),
                variable(ops, q, queryShape(), leaves), variable(ops, k, keyShape(), leaves),
                variable(ops, v, keyShape(), leaves), 0);
    }

    private static Variable variable(Ops ops, float[] values, int[] shape, boolean leaf) {
        return leaf ? ops.leaf(ops.tensor(values.clone(), shape))
                : ops.constant(values.clone(), shape);
    }

    /** An input of the given variables at positions {@code from, from + 1, ...}. */
    static AttentionInput input(Variable hidden, Variable q, Variable k, Variable v, int from) {
        int count = q.shape()[1];
        return new AttentionInput(hidden, q, k, v,
                IntTensor.vector(IntStream.range(from, from + count).toArray()));
    }

    /**
     * These values with every position after {@code last} of every sequence replaced by other
     * random values (hidden, q, k and v alike).
     */
    AttentionValues perturbedAfter(int last, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new AttentionValues(shape, batch, time, perturb(hidden, last, random),
                perturb(q, last, random), perturb(k, last, random), perturb(v, last, random));
    }

    private float[] perturb(float[] values, int last, SplittableRandom random) {
        float[] out = values.clone();
        int row = values.length / (batch * time);
        for (int b = 0; b < batch; b++) {
            for (int i = (b * time + last + 1) * row; i < (b + 1) * time * row; i++) {
                // Far from the original values, so that a leak cannot hide in rounding.
                out[i] = (float) (3 * (2 * random.nextDouble() - 1));
            }
        }
        return out;
    }

    /** Sequence {@code b}'s values of {@code values}, laid out {@code [B, T, ...]}. */
    double[] sequence(float[] values, int b) {
        int width = values.length / batch;
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = values[b * width + i];
        }
        return out;
    }
}
