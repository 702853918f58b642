package org.sparsa.core.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An open safetensors file: its header, checked in full when the file is opened, and positional
 * reads of single tensors.
 *
 * <p>Opening rejects every header that does not describe the file exactly (bad JSON, unknown
 * dtypes, offsets outside the data area or overlapping, byte lengths that do not match the shape,
 * tensors too large for a Java array, a truncated data area) with a {@link SafetensorsException},
 * so that reads cannot fail later except on I/O errors. Gaps between tensors and bytes after the
 * last tensor are allowed. The file is never mapped; a read allocates the result array and at most
 * a 1 MiB staging buffer. Reads do not change the object, so several threads may read at once.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest header accepted; the same limit as the reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The most elements a Java array can safely hold on common JVMs. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    static final String METADATA_KEY = "__metadata__";

    private static final int CHUNK_BYTES = 1 << 20;
    private static final int NAMES_LISTED = 20;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorEntry> entries;

    private SafetensorsFile(Path file, FileChannel channel, long dataStart,
            Map<String, String> metadata, Map<String, TensorEntry> entries) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Opens {@code file} and checks its header against the file's size.
     *
     * @throws SafetensorsException if the file is not a well-formed safetensors file
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return readHeader(file, channel);
        } catch (IOException | RuntimeException | Error e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The {@code __metadata__} strings in header order; empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor in header order (not necessarily the order of their data). */
    public List<TensorEntry> entries() {
        return List.copyOf(entries.values());
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws SafetensorsException if there is none; the message lists the names there are
     */
    public TensorEntry entry(String name) throws SafetensorsException {
        TensorEntry entry = entries.get(name);
        if (entry == null) {
            throw new SafetensorsException(file, "no tensor '" + name + "'; the file has "
                    + describeNames());
        }
        return entry;
    }

    /**
     * Tensor {@code name} as floats, converted from any dtype through double (F64 and I64 lose
     * precision; an I64 above 2^53 may round twice).
     */
    public float[] readFloats(String name) throws IOException {
        TensorEntry entry = entry(name);
        float[] out = new float[(int) entry.elementCount()];
        readChunks(entry, (chunk, at, count) -> {
            if (entry.dtype() == DType.F32) {
                chunk.asFloatBuffer().get(out, at, count);
            } else {
                for (int i = 0; i < count; i++) {
                    out[at + i] = (float) nextAsDouble(chunk, entry.dtype());
                }
            }
        });
        return out;
    }

    /** Tensor {@code name} as doubles, converted from any dtype (I64 may lose precision). */
    public double[] readDoubles(String name) throws IOException {
        TensorEntry entry = entry(name);
        double[] out = new double[(int) entry.elementCount()];
        readChunks(entry, (chunk, at, count) -> {
            if (entry.dtype() == DType.F64) {
                chunk.asDoubleBuffer().get(out, at, count);
            } else {
                for (int i = 0; i < count; i++) {
                    out[at + i] = nextAsDouble(chunk, entry.dtype());
                }
            }
        });
        return out;
    }

    /**
     * Tensor {@code name} as ints, from I32, I64 or U8.
     *
     * @throws SafetensorsException for a floating-point dtype, or an I64 value outside the int
     *     range
     */
    public int[] readInts(String name) throws IOException {
        TensorEntry entry = entry(name);
        requireInteger(entry, "readInts");
        int[] out = new int[(int) entry.elementCount()];
        readChunks(entry, (chunk, at, count) -> {
            switch (entry.dtype()) {
                case I32 -> chunk.asIntBuffer().get(out, at, count);
                case I64 -> {
                    for (int i = 0; i < count; i++) {
                        long value = chunk.getLong();
                        if (value != (int) value) {
                            throw new SafetensorsException(file, "tensor '" + entry.name()
                                    + "': element " + (at + i) + " is " + value
                                    + ", outside the int range; read it with readLongs");
                        }
                        out[at + i] = (int) value;
                    }
                }
                case U8 -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = Byte.toUnsignedInt(chunk.get());
                    }
                }
                default -> throw new IllegalStateException(entry.dtype().name());
            }
        });
        return out;
    }

    /**
     * Tensor {@code name} as longs, from I64, I32 or U8.
     *
     * @throws SafetensorsException for a floating-point dtype
     */
    public long[] readLongs(String name) throws IOException {
        TensorEntry entry = entry(name);
        requireInteger(entry, "readLongs");
        long[] out = new long[(int) entry.elementCount()];
        readChunks(entry, (chunk, at, count) -> {
            switch (entry.dtype()) {
                case I64 -> chunk.asLongBuffer().get(out, at, count);
                case I32 -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = chunk.getInt();
                    }
                }
                case U8 -> {
                    for (int i = 0; i < count; i++) {
                        out[at + i] = Byte.toUnsignedInt(chunk.get());
                    }
                }
                default -> throw new IllegalStateException(entry.dtype().name());
            }
        });
        return out;
    }

    /**
     * The raw little-endian bytes of tensor {@code name}, whatever its dtype.
     *
     * @throws SafetensorsException if they do not fit in one Java array
     */
    public byte[] readBytes(String name) throws IOException {
        TensorEntry entry = entry(name);
        if (entry.byteLength() > MAX_ELEMENTS) {
            throw new SafetensorsException(file, "tensor '" + name + "' has "
                    + entry.byteLength() + " bytes, more than a Java byte array can hold ("
                    + MAX_ELEMENTS + ")");
        }
        byte[] out = new byte[(int) entry.byteLength()];
        readFully(channel, file, ByteBuffer.wrap(out), dataStart + entry.begin(),
                "tensor '" + name + "'");
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private interface ChunkConsumer {
        /** Takes {@code count} elements from {@code chunk}, the first being element {@code at}. */
        void accept(ByteBuffer chunk, int at, int count) throws SafetensorsException;
    }

    private void readChunks(TensorEntry entry, ChunkConsumer consumer) throws IOException {
        long remaining = entry.byteLength();
        if (remaining == 0) {
            return;
        }
        // A multiple of every dtype size, so no element straddles two chunks.
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(remaining, CHUNK_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + entry.begin();
        int element = 0;
        while (remaining > 0) {
            chunk.clear().limit((int) Math.min(remaining, chunk.capacity()));
            readFully(channel, file, chunk, position, "tensor '" + entry.name() + "'");
            chunk.flip();
            int count = chunk.remaining() / entry.dtype().bytes();
            consumer.accept(chunk, element, count);
            element += count;
            position += chunk.limit();
            remaining -= chunk.limit();
        }
    }

    private void requireInteger(TensorEntry entry, String method) throws SafetensorsException {
        DType dtype = entry.dtype();
        if (dtype != DType.I32 && dtype != DType.I64 && dtype != DType.U8) {
            throw new SafetensorsException(file, "tensor '" + entry.name() + "' is " + dtype
                    + "; " + method + " reads I32, I64 or U8 tensors (use readFloats or readDoubles)");
        }
    }

    private String describeNames() {
        if (entries.isEmpty()) {
            return "no tensors";
        }
        String listed = entries.keySet().stream().limit(NAMES_LISTED)
                .map(n -> "'" + n + "'").collect(Collectors.joining(", "));
        int more = entries.size() - NAMES_LISTED;
        return listed + (more > 0 ? " and " + more + " more" : "");
    }

    /** Reads the next element of {@code dtype} from {@code chunk}; every dtype fits a double. */
    private static double nextAsDouble(ByteBuffer chunk, DType dtype) {
        return switch (dtype) {
            case F32 -> chunk.getFloat();
            case F64 -> chunk.getDouble();
            case BF16 -> bf16ToFloat(chunk.getShort());
            case I32 -> chunk.getInt();
            case I64 -> chunk.getLong();
            case U8 -> Byte.toUnsignedInt(chunk.get());
        };
    }

    private static float bf16ToFloat(short bits) {
        // bfloat16 is the upper half of a float32.
        return Float.intBitsToFloat(bits << 16);
    }

    private static void readFully(FileChannel channel, Path file, ByteBuffer target, long position,
            String what) throws IOException {
        long start = position;
        while (target.hasRemaining()) {
            int read = channel.read(target, position);
            if (read < 0) {
                // Sizes were checked at open time, so only a file shrunk since then gets here.
                throw new SafetensorsException(file, "file ended at byte " + position
                        + " while reading " + what + " (" + (position - start + target.remaining())
                        + " bytes from byte " + start + "); was it truncated after opening?");
            }
            position += read;
        }
    }

    private static SafetensorsFile readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new SafetensorsException(file, "file is " + size
                    + " bytes, shorter than the 8-byte header length that starts a safetensors file");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, file, lengthBytes, 0, "the header length");
        long headerLength = lengthBytes.getLong(0);
        // Unsigned compare: a length with the top bit set must not pass as negative.
        if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
            throw new SafetensorsException(file, "header length "
                    + Long.toUnsignedString(headerLength) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - 8) {
            throw new SafetensorsException(file, "header length " + headerLength
                    + " is larger than the " + (size - 8) + " bytes after the length field");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, file, headerBytes, 8, "the header");
        headerBytes.flip();
        String header = decodeUtf8(file, headerBytes);
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? ""
                    : " (at character " + e.getLocation().getCharOffset() + ")";
            throw new SafetensorsException(file, "header is not valid JSON" + at + ": "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            String found = root == null || root.isMissingNode() ? "empty" : describe(root);
            throw new SafetensorsException(file, "header is " + found
                    + ", expected a JSON object mapping tensor names to entries");
        }

        long dataStart = 8 + headerLength;
        long dataBytes = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.put(field.getKey(),
                        readEntry(file, field.getKey(), field.getValue(), dataBytes));
            }
        }
        checkNoOverlap(file, entries.values());
        return new SafetensorsFile(file, channel, dataStart, metadata, entries);
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) throws SafetensorsException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8 (bad byte at offset "
                    + (8 + bytes.position()) + " of the file)", e);
        }
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata)
            throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(file, METADATA_KEY + " is " + describe(node)
                    + ", expected an object of strings");
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new SafetensorsException(file, METADATA_KEY + " value of '" + field.getKey()
                        + "' is " + describe(field.getValue()) + ", expected a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static TensorEntry readEntry(Path file, String name, JsonNode node, long dataBytes)
            throws SafetensorsException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new SafetensorsException(file, where + "entry is " + describe(node)
                    + ", expected an object with dtype, shape and data_offsets");
        }
        DType dtype = readDType(file, where, node.get("dtype"));

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, where + "\"shape\" is " + describe(shapeNode)
                    + ", expected an array of non-negative integers");
        }
        int[] shape = new int[shapeNode.size()];
        long elements = 1;
        boolean tooMany = false;
        for (int i = 0; i < shape.length; i++) {
            long dim = readNonNegative(file, where + "shape dimension " + i, shapeNode.get(i));
            if (dim > MAX_ELEMENTS) {
                tooMany = true;
            } else {
                shape[i] = (int) dim;
                try {
                    elements = Math.multiplyExact(elements, dim);
                } catch (ArithmeticException e) {
                    tooMany = true;
                }
            }
        }
        // A zero dimension makes the tensor empty however large the others are, but the shape
        // must still fit an int[].
        if (tooMany || elements > MAX_ELEMENTS) {
            throw new SafetensorsException(file, where + "shape " + shapeNode
                    + " has more elements than a Java array can hold (at most " + MAX_ELEMENTS
                    + ")");
        }

        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(file, where + "\"data_offsets\" is "
                    + describe(offsets) + ", expected an array [begin, end]");
        }
        long begin = readNonNegative(file, where + "data_offsets begin", offsets.get(0));
        long end = readNonNegative(file, where + "data_offsets end", offsets.get(1));
        String range = "data_offsets [" + begin + ", " + end + "]";
        if (begin > end) {
            throw new SafetensorsException(file, where + range + " begin is after end");
        }
        if (end > dataBytes) {
            throw new SafetensorsException(file, where + range + " end past the data area of "
                    + dataBytes + " bytes (is the file truncated?)");
        }
        long needed = Math.multiplyExact(elements, dtype.bytes());
        if (end - begin != needed) {
            throw new SafetensorsException(file, where + range + " span " + (end - begin)
                    + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + needed);
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static DType readDType(Path file, String where, JsonNode node)
            throws SafetensorsException {
        if (node == null || !node.isTextual()) {
            throw new SafetensorsException(file, where + "\"dtype\" is " + describe(node)
                    + ", expected a string such as \"F32\"");
        }
        for (DType dtype : DType.values()) {
            if (dtype.name().equals(node.textValue())) {
                return dtype;
            }
        }
        throw new SafetensorsException(file, where + "unsupported dtype \"" + node.textValue()
                + "\"; supported: " + Arrays.stream(DType.values()).map(DType::name)
                        .collect(Collectors.joining(", ")));
    }

    private static long readNonNegative(Path file, String what, JsonNode node)
            throws SafetensorsException {
        // Only plain JSON integers: 2.0 or 1e3 would be silently truncated by asLong().
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new SafetensorsException(file, what + " is "
                    + (node == null ? "missing" : node.toString())
                    + ", expected a non-negative integer");
        }
        long value = node.longValue();
        if (value < 0) {
            throw new SafetensorsException(file, what + " is " + value
                    + ", expected a non-negative integer");
        }
        return value;
    }

    private static void checkNoOverlap(Path file, Iterable<TensorEntry> entries)
            throws SafetensorsException {
        List<TensorEntry> byOffset = new ArrayList<>();
        entries.forEach(byOffset::add);
        byOffset.sort(Comparator.comparingLong(TensorEntry::begin)
                .thenComparingLong(TensorEntry::end));
        TensorEntry previous = null;
        for (TensorEntry entry : byOffset) {
            if (previous != null && entry.begin() < previous.end()) {
                throw new SafetensorsException(file, "tensor '" + entry.name() + "': data_offsets ["
                        + entry.begin() + ", " + entry.end() + "] overlap those of tensor '"
                        + previous.name() + "' [" + previous.begin() + ", " + previous.end()
                        + "]; tensors must not share bytes");
            }
            if (previous == null || entry.end() >= previous.end()) {
                previous = entry;
            }
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        return "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
