package org.sparsa.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Collects tensors and metadata, then writes them as one safetensors file, atomically.
 *
 * <p>{@code add} checks its arguments at once (throwing {@link IllegalArgumentException}) and
 * keeps a copy of the data, so later changes to the caller's arrays do not reach the file. The
 * header lists tensors in the order they were added; their data is laid out widest dtype first
 * (stable within a width), so that every tensor starts at a multiple of its element size, as the
 * reference writer does for readers that map the file. The header is padded with spaces so the
 * data area starts at a multiple of 8.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Pending(String name, DType dtype, int[] shape, Object data, long bytes) {}

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds an F32 tensor. */
    public SafetensorsWriter add(String name, int[] shape, float[] data) {
        return put(name, DType.F32, shape, data.length, data.clone());
    }

    /** Adds an F64 tensor. */
    public SafetensorsWriter add(String name, int[] shape, double[] data) {
        return put(name, DType.F64, shape, data.length, data.clone());
    }

    /** Adds an I32 tensor. */
    public SafetensorsWriter add(String name, int[] shape, int[] data) {
        return put(name, DType.I32, shape, data.length, data.clone());
    }

    /** Adds an I64 tensor. */
    public SafetensorsWriter add(String name, int[] shape, long[] data) {
        return put(name, DType.I64, shape, data.length, data.clone());
    }

    /** Adds a U8 tensor; each byte is read back as an unsigned value 0..255. */
    public SafetensorsWriter add(String name, int[] shape, byte[] data) {
        return put(name, DType.U8, shape, data.length, data.clone());
    }

    /**
     * Adds a tensor from its raw little-endian bytes, as {@link SafetensorsFile#readBytes} returns
     * them, for copying tensors between files without converting them.
     *
     * @throws IllegalArgumentException for {@link DType#BF16}, which is read-only, or when the
     *     byte count does not match the shape
     */
    public SafetensorsWriter addRaw(String name, DType dtype, int[] shape,
            byte[] littleEndianData) {
        Objects.requireNonNull(dtype, "dtype");
        if (dtype == DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "': BF16 is read-only; the "
                    + "writer stores F32, F64, I32, I64 or U8 (convert with readFloats first)");
        }
        if (littleEndianData.length % dtype.bytes() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + littleEndianData.length
                    + " bytes is not a whole number of " + dtype + " elements of "
                    + dtype.bytes() + " bytes");
        }
        return put(name, dtype, shape, littleEndianData.length / dtype.bytes(),
                littleEndianData.clone());
    }

    /** Sets a {@code __metadata__} entry, replacing any earlier value for {@code key}. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Writes every tensor added so far to {@code target}, replacing it if it exists.
     *
     * <p>The file is written to a temporary file in the same folder, forced to the storage
     * device, then moved over {@code target} atomically (or, where the file system cannot move
     * atomically, replacing it), so {@code target} is either the old file or the complete new
     * one, never a partial one. The temporary file is removed if anything fails.
     *
     * @throws SafetensorsException if the header would exceed the limit readers accept
     */
    public void write(Path target) throws IOException {
        byte[] header = header(target);
        Path absolute = target.toAbsolutePath();
        // A name no other writer picks, in the same folder so the final move is a rename.
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                writeFully(channel, ByteBuffer.wrap(header));
                writeData(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private SafetensorsWriter put(String name, DType dtype, int[] shape, int length,
            Object data) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tensor needs a non-empty name");
        }
        if (name.equals(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for metadata; "
                    + "use metadata(key, value)");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        long elements = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': shape "
                        + Arrays.toString(shape) + " has a negative dimension");
            }
            elements = Math.multiplyExact(elements, dim);
        }
        if (elements != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape "
                    + Arrays.toString(shape) + " holds " + elements + " elements, but the data has "
                    + length);
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), data,
                (long) length * dtype.bytes()));
        return this;
    }

    /** Tensors in the order their data is laid out: widest dtype first, else as added. */
    private List<Pending> dataOrder() {
        List<Pending> order = new ArrayList<>(tensors.values());
        order.sort(Comparator.comparingInt((Pending p) -> p.dtype().bytes()).reversed());
        return order;
    }

    private byte[] header(Path target) throws SafetensorsException {
        Map<String, long[]> offsets = new LinkedHashMap<>();
        long position = 0;
        for (Pending tensor : dataOrder()) {
            offsets.put(tensor.name(), new long[] {position, position + tensor.bytes()});
            position += tensor.bytes();
        }
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        for (Pending tensor : tensors.values()) {
            ObjectNode entry = root.putObject(tensor.name());
            entry.put("dtype", tensor.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (int dim : tensor.shape()) {
                shape.add(dim);
            }
            long[] range = offsets.get(tensor.name());
            entry.putArray("data_offsets").add(range[0]).add(range[1]);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new SafetensorsException(target, "cannot encode the header: " + e.getMessage(), e);
        }
        int padding = (8 - json.length % 8) % 8;
        if (json.length + padding > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new SafetensorsException(target, "header of " + (json.length + padding)
                    + " bytes exceeds the limit of " + SafetensorsFile.MAX_HEADER_BYTES
                    + " bytes that readers accept; split the tensors over several files");
        }
        ByteBuffer header = ByteBuffer.allocate(8 + json.length + padding)
                .order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(json.length + padding).put(json);
        while (header.hasRemaining()) {
            header.put((byte) ' ');
        }
        return header.array();
    }

    private void writeData(FileChannel channel) throws IOException {
        long largest = tensors.values().stream().mapToLong(Pending::bytes).max().orElse(0);
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.max(8, Math.min(largest, CHUNK_BYTES)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Pending tensor : dataOrder()) {
            if (tensor.data() instanceof byte[] bytes) {
                writeFully(channel, ByteBuffer.wrap(bytes));
                continue;
            }
            int elementBytes = tensor.dtype().bytes();
            int perChunk = chunk.capacity() / elementBytes;
            int length = Array.getLength(tensor.data());
            for (int at = 0; at < length; at += perChunk) {
                int count = Math.min(perChunk, length - at);
                chunk.clear();
                if (tensor.data() instanceof float[] values) {
                    chunk.asFloatBuffer().put(values, at, count);
                } else if (tensor.data() instanceof double[] values) {
                    chunk.asDoubleBuffer().put(values, at, count);
                } else if (tensor.data() instanceof int[] values) {
                    chunk.asIntBuffer().put(values, at, count);
                } else {
                    chunk.asLongBuffer().put((long[]) tensor.data(), at, count);
                }
                chunk.limit(count * elementBytes);
                writeFully(channel, chunk);
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
