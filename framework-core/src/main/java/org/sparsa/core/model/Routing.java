package org.sparsa.core.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.sparsa.api.tensor.IntTensor;

/**
 * The experts an MoE model's routers chose: per MoE layer, the expert ids of every token,
 * {@code [batch, time, topK]}, in the router's order (highest weight first). A forward pass
 * records it; handed back to a later pass it is replayed, so that pass routes the same way (the
 * weights still come from that pass's routers).
 *
 * @param byLayer the chosen ids by layer index, ascending; dense layers are absent
 */
public record Routing(Map<Integer, IntTensor> byLayer) {
    public Routing {
        Objects.requireNonNull(byLayer, "byLayer");
        byLayer.forEach((layer, ids) -> {
            if (layer == null || layer < 0 || ids == null || ids.rank() != 3) {
                throw new IllegalArgumentException("routing: layer " + layer + " needs expert "
                        + "ids [batch, time, topK], found " + ids);
            }
        });
        byLayer = Collections.unmodifiableMap(new TreeMap<>(byLayer));
    }

    /** No MoE layers. */
    public static Routing none() {
        return new Routing(Map.of());
    }

    /**
     * The ids of layer {@code layer}, {@code [batch, time, topK]}.
     *
     * @throws IllegalArgumentException naming the layer when the routing has none for it
     */
    public IntTensor layer(int layer) {
        IntTensor ids = byLayer.get(layer);
        if (ids == null) {
            throw new IllegalArgumentException("routing: no expert ids for layer " + layer
                    + "; it has layers " + byLayer.keySet());
        }
        return ids;
    }

    /** The expert ids of sequence {@code b}'s token at step {@code t} in layer {@code layer}. */
    public int[] experts(int layer, int b, int t) {
        IntTensor ids = layer(layer);
        int[] shape = ids.shape();
        int k = shape[2];
        int from = (b * shape[1] + t) * k;
        return Arrays.copyOfRange(ids.toArray(), from, from + k);
    }
}
