package org.sparsa.grpo.internal.rl;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.parameter.ParameterStore;

/**
 * The KL reference: a copy of the policy's weights, taken when the stage starts and, when
 * {@code reference_refresh} is set, again every that many steps. Its log-probabilities come
 * from the same model with the copy swapped in for one pass without gradient, so no second
 * model is built. The copy is saved beside each checkpoint, so a resumed stage keeps it.
 */
final class ReferencePolicy {
    private final ParameterStore store;
    private final Map<String, float[]> weights = new LinkedHashMap<>();

    /** A reference holding the current weights of {@code store}. */
    ReferencePolicy(ParameterStore store) {
        this.store = store;
        refresh();
    }

    /** Copies the policy's current weights into the reference. */
    void refresh() {
        weights.clear();
        for (String name : store.names()) {
            weights.put(name, store.get(name).value().toArray());
        }
    }

    /** Whether the reference holds exactly {@code store}'s current weights. */
    boolean matchesPolicy() {
        for (String name : store.names()) {
            if (!java.util.Arrays.equals(weights.get(name), store.get(name).value().toArray())) {
                return false;
            }
        }
        return true;
    }

    /** What {@code pass} computes with the reference's weights, without gradient. */
    <T> T evaluate(Supplier<T> pass) {
        Map<String, Tensor> policy = new LinkedHashMap<>();
        for (String name : store.names()) {
            policy.put(name, store.get(name).value());
        }
        try (GradScope noGraph = store.autograd().noGrad()) {
            weights.forEach((name, values) -> store.replace(name, tensor(name, values)));
            return pass.get();
        } finally {
            policy.forEach(store::replace);
        }
    }

    private Tensor tensor(String name, float[] values) {
        Variable parameter = store.get(name);
        return store.autograd().constant(values, parameter.shape()).value();
    }

    /** Saves the reference's weights to {@code file}, atomically. */
    void save(Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (OutputStream raw = Files.newOutputStream(partial);
                DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(
                        raw))) {
            out.writeInt(weights.size());
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (float v : e.getValue()) {
                    out.writeFloat(v);
                }
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Loads the weights {@link #save} wrote.
     *
     * @throws IOException naming the file when it does not hold this model's parameters
     */
    void load(Path file) throws IOException {
        Map<String, float[]> read = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                float[] values = new float[in.readInt()];
                for (int j = 0; j < values.length; j++) {
                    values[j] = in.readFloat();
                }
                read.put(name, values);
            }
        }
        for (String name : store.names()) {
            float[] values = read.get(name);
            if (values == null || values.length != store.get(name).value().size()) {
                throw new IOException(file + ": the KL reference has no weights of the model's "
                        + "parameter '" + name + "' (or of another size)");
            }
        }
        weights.clear();
        weights.putAll(read);
    }
}
