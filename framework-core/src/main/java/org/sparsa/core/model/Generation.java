package org.sparsa.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.sparsa.api.tensor.IntTensor;

/**
 * A batch of prompts and what was generated after them, step by step.
 *
 * @param prompt the prompts, {@code [batch, promptLength]}
 * @param promptRouting the experts the prompt tokens went to, {@code [batch, promptLength, topK]}
 *     per MoE layer
 * @param steps the decoding steps, in order
 */
public record Generation(IntTensor prompt, Routing promptRouting, List<GenerationStep> steps) {
    public Generation {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(promptRouting, "promptRouting");
        steps = List.copyOf(steps);
    }

    /** Prompt and generated tokens, {@code [batch, promptLength + steps]}. */
    public IntTensor tokens() {
        int batch = prompt.shape()[0];
        int promptLength = prompt.shape()[1];
        int length = promptLength + steps.size();
        int[] ids = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < promptLength; t++) {
                ids[b * length + t] = prompt.at(b * promptLength + t);
            }
            for (int s = 0; s < steps.size(); s++) {
                ids[b * length + promptLength + s] = steps.get(s).tokens()[b];
            }
        }
        return IntTensor.of(ids, batch, length);
    }

    /**
     * The experts of every position of {@link #tokens()}, {@code [batch, length, topK]} per MoE
     * layer: handed to {@link LlamaModel#forward(IntTensor, List, Routing)} over the tokens, it
     * routes the training pass the way generation did.
     */
    public Routing routing() {
        Map<Integer, IntTensor> layers = new TreeMap<>();
        for (Map.Entry<Integer, IntTensor> e : promptRouting.byLayer().entrySet()) {
            int layer = e.getKey();
            int[] shape = e.getValue().shape();
            int batch = shape[0];
            int promptLength = shape[1];
            int k = shape[2];
            int length = promptLength + steps.size();
            int[] ids = new int[batch * length * k];
            int[] head = e.getValue().toArray();
            for (int b = 0; b < batch; b++) {
                System.arraycopy(head, b * promptLength * k, ids, b * length * k,
                        promptLength * k);
                for (int s = 0; s < steps.size(); s++) {
                    int[] step = steps.get(s).routing().experts(layer, b, 0);
                    System.arraycopy(step, 0, ids, (b * length + promptLength + s) * k, k);
                }
            }
            layers.put(layer, IntTensor.of(ids, batch, length, k));
        }
        return new Routing(layers);
    }
}
